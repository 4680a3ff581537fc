CREATE TABLE "case_pushes" (
	"version" bigint PRIMARY KEY NOT NULL,
	"tables" text[] NOT NULL,
	"pushed_at" bigint DEFAULT (extract(epoch from clock_timestamp()) * 1000)::bigint NOT NULL
);
--> statement-breakpoint
CREATE INDEX "inbound_messages_unfinished_user_idx" ON "inbound_messages" USING btree ("robot_code",coalesce("conversation_id", ''),coalesce("sender_staff_id", "sender_nick", ''),"id") WHERE status IN ('received', 'processing');