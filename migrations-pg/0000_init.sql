CREATE TABLE "blobs" (
	"sha256" text PRIMARY KEY NOT NULL,
	"size" integer NOT NULL,
	"content" "bytea" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "checkpoints" (
	"projection" text PRIMARY KEY NOT NULL,
	"position" bigint NOT NULL,
	"state" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events" (
	"position" bigint PRIMARY KEY NOT NULL,
	"event_id" text NOT NULL,
	"stream_id" text NOT NULL,
	"stream_version" integer NOT NULL,
	"type" text NOT NULL,
	"schema_version" integer NOT NULL,
	"data" text NOT NULL,
	"metadata" text,
	"recorded_at" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "streams" (
	"stream_id" text PRIMARY KEY NOT NULL,
	"version" integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "events_event_id" ON "events" USING btree ("event_id");--> statement-breakpoint
CREATE UNIQUE INDEX "events_stream_version" ON "events" USING btree ("stream_id","stream_version");--> statement-breakpoint
CREATE INDEX "events_type_position" ON "events" USING btree ("type","position");