"""The portal's pages: public (FAQ, handbook, news), inquiries and notifications, ratings,
CDCI and partnership. Views validate and call the services; the rules live there."""
