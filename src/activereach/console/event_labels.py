"""Every timeline event in people's words: the label table the contact profile reads.

``tests/console/test_loyalty_manage.py`` walks the source for every event name the system
writes (``append_event(name=…)`` and the SDK call types) and fails when one has no label here, so
a new event cannot reach the profile as ``snake_case``.  Events a brand's own SDK sends under its
own names (``review_left``) are not ours to word: they are shown humanised ("Review left").
"""

from __future__ import annotations

# event name → what the row says when the event's properties add nothing better
EVENT_LABELS: dict[str, str] = {
    # orders (orders.service, orders.refunds, orders.cancel, collect.commerce)
    "order_completed": "Order",
    "order_refunded": "Refund",
    "order_cancelled": "Order cancelled",
    "order_updated": "Order updated",
    # loyalty (loyalty.participant, loyalty.offline, loyalty.members, loyalty.tiers)
    "loyalty_points_earned": "Earned points",
    "loyalty_points_redeemed": "Redeemed points",
    "loyalty_points_reversed": "Points taken back after a refund",
    "loyalty_points_adjusted": "Points adjusted by hand",
    "loyalty_tier_changed": "Tier changed",
    # receipts and one-time codes (messaging.service)
    "channel_delivery_status": "Message status",
    # what SDKs send (collect.parse: the call types, page and screen views)
    "identify": "Profile updated",
    "page_viewed": "Viewed a page",
    "screen_viewed": "Viewed an app screen",
    "group": "Joined a group or account",
    "alias": "Linked another identity",
    "track": "Did something in the app",
    # Segment's e-commerce spec names, as collect.segment canonicalises them
    "products_searched": "Searched products",
    "product_list_viewed": "Viewed a product list",
    "product_list_filtered": "Filtered a product list",
    "promotion_viewed": "Saw a promotion",
    "promotion_clicked": "Clicked a promotion",
    "product_clicked": "Clicked a product",
    "product_viewed": "Viewed a product",
    "product_added": "Added to cart",
    "product_removed": "Removed from cart",
    "cart_viewed": "Viewed the cart",
    "checkout_started": "Started checkout",
    "checkout_step_viewed": "Checkout step",
    "checkout_step_completed": "Completed a checkout step",
    "payment_info_entered": "Entered payment details",
    "coupon_entered": "Entered a coupon",
    "coupon_applied": "Applied a coupon",
    "coupon_denied": "Coupon refused",
    "coupon_removed": "Removed a coupon",
    "product_added_to_wishlist": "Added to wishlist",
    "product_removed_from_wishlist": "Removed from wishlist",
    "product_shared": "Shared a product",
    "cart_shared": "Shared the cart",
    "product_reviewed": "Reviewed a product",
    "signed_up": "Signed up",
    "signed_in": "Signed in",
    "signed_out": "Signed out",
}

ADJUST_REASONS = ("Goodwill", "Correction of a mistake", "Missed earning",
                  "Service recovery", "Other")


def label(name: str) -> str:
    """The table's words, else the name humanised (``review_left`` → "Review left")."""
    if name in EVENT_LABELS:
        return EVENT_LABELS[name]
    words = " ".join(name.replace("_", " ").replace(".", " ").split())
    return words[:1].upper() + words[1:] if words and not any(c.isupper() for c in words) \
        else words
