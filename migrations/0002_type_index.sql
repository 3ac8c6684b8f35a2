CREATE INDEX `events_type_position` ON `events` (`type`,`position`);
