-- The indexes that find a member's groups and a user's addresses lead with
-- the member (the user), not the connection. Every lookup gives both
-- columns, so either order serves it; what differs is building the index,
-- which a first sync does over a million memberships. SQLite's sorter
-- compares a leading column of plain text bytewise and decodes the whole
-- entry only on a tie: with the connection first, every comparison tied.
-- Built over 1,050,000 memberships the index took 1.3–1.5 s against
-- 1.8–2.2 s.
DROP INDEX dir_memberships_member;
CREATE INDEX dir_memberships_member ON dir_memberships (member_id, connection_id);
DROP INDEX dir_user_addresses_user;
CREATE INDEX dir_user_addresses_user ON dir_user_addresses (user_id, connection_id);
