-- The log is append-only: refuse UPDATE and DELETE on events and blobs. `sia verify` still catches
-- edits made by someone who drops these triggers first, through the hash chain.
CREATE TRIGGER `events_no_update` BEFORE UPDATE ON `events`
BEGIN SELECT RAISE(ABORT, 'sia: events are immutable (UPDATE refused)'); END;
--> statement-breakpoint
CREATE TRIGGER `events_no_delete` BEFORE DELETE ON `events`
BEGIN SELECT RAISE(ABORT, 'sia: events are immutable (DELETE refused)'); END;
--> statement-breakpoint
CREATE TRIGGER `blobs_no_update` BEFORE UPDATE ON `blobs`
BEGIN SELECT RAISE(ABORT, 'sia: blobs are immutable (UPDATE refused)'); END;
--> statement-breakpoint
CREATE TRIGGER `blobs_no_delete` BEFORE DELETE ON `blobs`
BEGIN SELECT RAISE(ABORT, 'sia: blobs are immutable (DELETE refused)'); END;
