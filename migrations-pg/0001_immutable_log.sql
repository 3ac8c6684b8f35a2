-- The log is append-only: refuse UPDATE, DELETE and TRUNCATE on events and blobs (a role with only SELECT and
-- INSERT is the second line; see README "Running with a team"). `sia verify` still catches edits made by
-- someone who drops these triggers first, through the hash chain.
CREATE FUNCTION sia_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'sia: % are immutable (% refused)', TG_TABLE_NAME, TG_OP;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER events_immutable BEFORE UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION sia_refuse_change();
--> statement-breakpoint
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events FOR EACH STATEMENT EXECUTE FUNCTION sia_refuse_change();
--> statement-breakpoint
CREATE TRIGGER blobs_immutable BEFORE UPDATE OR DELETE ON blobs FOR EACH ROW EXECUTE FUNCTION sia_refuse_change();
--> statement-breakpoint
CREATE TRIGGER blobs_no_truncate BEFORE TRUNCATE ON blobs FOR EACH STATEMENT EXECUTE FUNCTION sia_refuse_change();
--> statement-breakpoint
-- Live readers (sia serve's event stream) LISTEN on sia_events: one notification per append, carrying the schema and the new head.
CREATE FUNCTION sia_notify_append() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('sia_events', TG_TABLE_SCHEMA || ':' || (SELECT max(position) FROM events)::text);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER events_notify AFTER INSERT ON events FOR EACH STATEMENT EXECUTE FUNCTION sia_notify_append();
