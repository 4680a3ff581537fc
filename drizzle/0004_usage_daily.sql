CREATE TABLE `usage_daily` (
	`use_date` text NOT NULL,
	`intent` text NOT NULL,
	`conversation_type` text NOT NULL,
	`n` integer DEFAULT 0 NOT NULL,
	`failed` integer DEFAULT 0 NOT NULL,
	`rejected` integer DEFAULT 0 NOT NULL,
	`zero` integer DEFAULT 0 NOT NULL,
	`tokens` integer DEFAULT 0 NOT NULL,
	`cost_micro` integer DEFAULT 0 NOT NULL,
	`lat_n` integer DEFAULT 0 NOT NULL,
	`lat_max` integer,
	`h0` integer DEFAULT 0 NOT NULL,
	`h1` integer DEFAULT 0 NOT NULL,
	`h2` integer DEFAULT 0 NOT NULL,
	`h3` integer DEFAULT 0 NOT NULL,
	`h4` integer DEFAULT 0 NOT NULL,
	`h5` integer DEFAULT 0 NOT NULL,
	`h6` integer DEFAULT 0 NOT NULL,
	`h7` integer DEFAULT 0 NOT NULL,
	`h8` integer DEFAULT 0 NOT NULL,
	`h9` integer DEFAULT 0 NOT NULL,
	`h10` integer DEFAULT 0 NOT NULL,
	`h11` integer DEFAULT 0 NOT NULL,
	`h12` integer DEFAULT 0 NOT NULL,
	`h13` integer DEFAULT 0 NOT NULL,
	`h14` integer DEFAULT 0 NOT NULL,
	`h15` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`use_date`, `intent`, `conversation_type`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `usage_daily_gaps` (
	`use_date` text NOT NULL,
	`question` text NOT NULL,
	`intent` text NOT NULL,
	`conversation_type` text NOT NULL,
	`n` integer DEFAULT 0 NOT NULL,
	`last` text NOT NULL,
	PRIMARY KEY(`use_date`, `question`, `intent`, `conversation_type`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `usage_daily_groups` (
	`dd_group_name` text NOT NULL,
	`use_date` text NOT NULL,
	`n` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`dd_group_name`, `use_date`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TABLE `usage_daily_users` (
	`user_id` text NOT NULL,
	`use_date` text NOT NULL,
	`n` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`user_id`, `use_date`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `usage_daily_users_date_idx` ON `usage_daily_users` (`use_date`,`user_id`,`n`);--> statement-breakpoint
CREATE TABLE `usage_monthly_users` (
	`month` text NOT NULL,
	`user_id` text NOT NULL,
	`n` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`month`, `user_id`)
) WITHOUT ROWID;
--> statement-breakpoint
-- Backfill from the existing usage records (same statements as backfillStatements() in src/db/usage-rollup.ts).
INSERT INTO usage_daily (use_date, intent, conversation_type, n, failed, rejected, zero, tokens, cost_micro, lat_n, lat_max, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9, h10, h11, h12, h13, h14, h15)
SELECT use_date, intent, coalesce(conversation_type, ''), count(*), coalesce(sum(status = 'failed'), 0), coalesce(sum(status = 'rejected'), 0), coalesce(sum(hits = 0 AND intent IN ('case','pitch','switch','procurement','software','unanswered')), 0), sum(tokens),
       sum(CAST(round(cost_rmb * 1000000) AS INTEGER)), count(latency_ms), max(latency_ms), coalesce(sum(latency_ms <= 100), 0), coalesce(sum(latency_ms > 100 AND latency_ms <= 200), 0), coalesce(sum(latency_ms > 200 AND latency_ms <= 300), 0), coalesce(sum(latency_ms > 300 AND latency_ms <= 500), 0), coalesce(sum(latency_ms > 500 AND latency_ms <= 750), 0), coalesce(sum(latency_ms > 750 AND latency_ms <= 1000), 0), coalesce(sum(latency_ms > 1000 AND latency_ms <= 1500), 0), coalesce(sum(latency_ms > 1500 AND latency_ms <= 2000), 0), coalesce(sum(latency_ms > 2000 AND latency_ms <= 3000), 0), coalesce(sum(latency_ms > 3000 AND latency_ms <= 5000), 0), coalesce(sum(latency_ms > 5000 AND latency_ms <= 7500), 0), coalesce(sum(latency_ms > 7500 AND latency_ms <= 10000), 0), coalesce(sum(latency_ms > 10000 AND latency_ms <= 15000), 0), coalesce(sum(latency_ms > 15000 AND latency_ms <= 30000), 0), coalesce(sum(latency_ms > 30000 AND latency_ms <= 60000), 0), coalesce(sum(latency_ms > 60000), 0)
FROM usage_records GROUP BY 1, 2, 3;
--> statement-breakpoint
INSERT INTO usage_daily_users (user_id, use_date, n) SELECT coalesce(user_id, ''), use_date, count(*) FROM usage_records GROUP BY 1, 2;
--> statement-breakpoint
INSERT INTO usage_monthly_users (month, user_id, n) SELECT substr(use_date, 1, 7), coalesce(user_id, ''), count(*) FROM usage_records GROUP BY 1, 2;
--> statement-breakpoint
INSERT INTO usage_daily_groups (dd_group_name, use_date, n) SELECT dd_group_name, use_date, count(*) FROM usage_records WHERE dd_group_name IS NOT NULL AND dd_group_name <> '' GROUP BY 1, 2;
--> statement-breakpoint
INSERT INTO usage_daily_gaps (use_date, question, intent, conversation_type, n, last)
SELECT use_date, coalesce(consult_content, ''), intent, coalesce(conversation_type, ''), count(*), max(use_time)
FROM usage_records WHERE hits = 0 AND intent IN ('case','pitch','switch','procurement','software','unanswered') GROUP BY 1, 2, 3, 4;