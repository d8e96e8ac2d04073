// Drives a real analytics SDK, stock settings but the host, at a running Active Reach server.
// Usage: node send.js segment|rudder  (env: AR_URL, AR_WRITE_KEY, AR_PREFIX, AR_PHONE)
// Prints one JSON line: {"errors": [...]} — what the SDK reported as failed deliveries.
'use strict';

const which = process.argv[2];
const { AR_URL: url, AR_WRITE_KEY: writeKey, AR_PREFIX: p, AR_PHONE: phone } = process.env;
const errors = [];

function calls(client) {
  const user = `${p}-user`;
  const order = { order_id: `${p}-order`, total: 700, currency: 'INR',
    products: [{ sku: 'MUG', name: 'Mug', price: 300, quantity: 2 },
               { sku: 'CUP', name: 'Cup', price: 100, quantity: 1 }] };
  client.track({ anonymousId: `${p}-anon`, event: 'Product Viewed', properties: { sku: 'MUG' } });
  client.identify({ userId: user, traits: { phone, name: `Node ${which}` } });
  client.alias({ previousId: `${p}-anon`, userId: user });
  client.track({ userId: user, event: 'Order Completed', properties: order });
  client.track({ userId: user, event: 'Order Refunded', properties: { order_id: order.order_id } });
  client.page({ userId: user, name: 'Home', properties: { url: 'https://shop.example.in/' } });
  client.screen({ userId: user, name: 'Cart' });
  client.group({ userId: user, groupId: `${p}-acme`, traits: { name: 'Acme' } });
}

async function segment() {
  const { Analytics } = require('@segment/analytics-node');
  const client = new Analytics({ writeKey, host: url });
  client.on('error', (err) => errors.push(String(err && (err.reason || err.message || err))));
  calls(client);
  await client.closeAndFlush({ timeout: 20000 });
}

async function rudder() {
  const Analytics = require('@rudderstack/rudder-sdk-node');
  const client = new Analytics(writeKey, {
    dataPlaneUrl: url, logLevel: 'error',
    errorHandler: (err) => errors.push(String(err && (err.message || err))),
  });
  calls(client);
  await client.flush();
}

(which === 'segment' ? segment() : rudder())
  .catch((err) => errors.push(String(err && (err.stack || err))))
  .finally(() => process.stdout.write(JSON.stringify({ errors }) + '\n'));
