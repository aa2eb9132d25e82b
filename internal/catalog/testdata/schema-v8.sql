DROP INDEX entries_published;
DROP INDEX entries_visible_published;
