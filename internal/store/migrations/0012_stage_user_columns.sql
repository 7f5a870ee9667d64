-- A user entry is staged as the directory's columns, filled in Go from the
-- decoded page, instead of as JSON that a first sync's apply then read
-- twenty properties out of, one lookup each (a second of the apply for a
-- hundred thousand users). sent says which properties the page carried, a
-- bit per property (store.UserProperties): an incremental page carries
-- only what changed, and a property it left out must stay as it was.
-- Entries staged before this (sent IS NULL) keep their JSON in data;
-- removed entries too.
ALTER TABLE stage_users ADD COLUMN sent INTEGER;
ALTER TABLE stage_users ADD COLUMN user_principal_name TEXT;
ALTER TABLE stage_users ADD COLUMN mail TEXT;
ALTER TABLE stage_users ADD COLUMN display_name TEXT;
ALTER TABLE stage_users ADD COLUMN given_name TEXT;
ALTER TABLE stage_users ADD COLUMN surname TEXT;
ALTER TABLE stage_users ADD COLUMN job_title TEXT;
ALTER TABLE stage_users ADD COLUMN department TEXT;
ALTER TABLE stage_users ADD COLUMN office_location TEXT;
ALTER TABLE stage_users ADD COLUMN company_name TEXT;
ALTER TABLE stage_users ADD COLUMN mobile_phone TEXT;
ALTER TABLE stage_users ADD COLUMN business_phones TEXT;    -- JSON array
ALTER TABLE stage_users ADD COLUMN proxy_addresses TEXT;    -- JSON array
ALTER TABLE stage_users ADD COLUMN account_enabled INTEGER;
ALTER TABLE stage_users ADD COLUMN user_type TEXT;
ALTER TABLE stage_users ADD COLUMN employee_id TEXT;
ALTER TABLE stage_users ADD COLUMN usage_location TEXT;
ALTER TABLE stage_users ADD COLUMN preferred_language TEXT;
ALTER TABLE stage_users ADD COLUMN created_date_time TEXT;  -- UTC to the second, '' for none
