"""The member page behind every bill: ``/b/{code}/member`` on the brand's bill host.

Open to whoever holds the bill link: balance, tier, progress and the rewards to claim. Behind a
one-time code sent to the member's phone or email (bill links get forwarded): points history,
receipt channel and consent. See docs/bills.md, "Member page".
"""
