CREATE TABLE `pipeline_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`conversation_id` text NOT NULL,
	`user_id` text NOT NULL,
	`msg_id` text NOT NULL,
	`step_type` text NOT NULL,
	`version` text NOT NULL,
	`input` text NOT NULL,
	`sections` text DEFAULT '[]' NOT NULL,
	`steps` text DEFAULT '[]' NOT NULL,
	`status` text NOT NULL,
	`tokens` integer DEFAULT 0 NOT NULL,
	`rmb` real DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `pipeline_runs_conv_user_idx` ON `pipeline_runs` (`conversation_id`,`user_id`,`status`);--> statement-breakpoint
CREATE INDEX `pipeline_runs_msg_idx` ON `pipeline_runs` (`msg_id`);