DROP TABLE setting_locks;
DROP TABLE settings;
