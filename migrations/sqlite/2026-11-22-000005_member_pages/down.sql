DROP INDEX members_page;
