CREATE TABLE `idempotent_requests` (
	`scope` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`http_status` integer,
	`content_type` text,
	`body` text,
	`started_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `idempotent_requests_started_idx` ON `idempotent_requests` (`started_at`);--> statement-breakpoint
ALTER TABLE `usage_records` ADD `channel` text;