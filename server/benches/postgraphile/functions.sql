-- What PostGraphile serves in the side-by-side benchmark (README.md beside this file): the
-- three reads of the benchmark over Orgraph's own `public.organizations`, and nothing else.
-- PostGraphile is pointed at schema `postgraphile_bench` alone. Nothing in `public` is changed:
-- every read below is answered from indexes Orgraph's migrations already create.
--
-- Apply after Orgraph's migrations; it may be applied again (it drops and recreates the schema).

SET client_min_messages = warning;
DROP SCHEMA IF EXISTS postgraphile_bench CASCADE;
CREATE SCHEMA postgraphile_bench;

-- The GraphQL type `Organization`: live organizations, with the columns the three queries read
-- or join on. Joined with the routing table `organization_networks` (primary key `id`) so that
-- PostGraphile can look an organization up by id alone, as Orgraph does: `WHERE id = $1` on
-- this view reads the routing row by its primary key, then the organization by its own
-- (network_id, id). Like Orgraph's `organization(id:)` (without includeDeleted), it does not
-- find a deleted organization; a live organization's parent and ancestors are live (Orgraph
-- deletes whole subtrees), so `parent` answers as Orgraph's does.
CREATE VIEW postgraphile_bench.organizations AS
SELECT o.network_id, o.id, o.parent_id, o.path, o.depth, o.name
FROM public.organization_networks r
JOIN public.organizations o ON o.network_id = r.network_id AND o.id = r.id
WHERE o.deleted_at IS NULL;

-- A view has no constraints of its own; the smart tags declare them:
-- * primary key `id` (unique through the routing table): the root field `organizationByRowId`;
-- * unique (network_id, id), the table's primary key, the target of the parent foreign key,
--   without a root field of its own;
-- * that foreign key, exposed as `parent` only: no reverse relation (`children` below is the
--   live children in Orgraph's order);
-- * read-only, and no root list or connection of all organizations.
COMMENT ON VIEW postgraphile_bench.organizations IS
E'@primaryKey id\n'
 '@unique network_id,id|@behavior -single\n'
 '@foreignKey (network_id, parent_id) references postgraphile_bench.organizations (network_id, id)'
    '|@fieldName parent|@behavior -manyRelation:resource:list -manyRelation:resource:connection\n'
 '@behavior -insert -update -delete -query:resource:list -query:resource:connection';

-- Both functions below are STABLE SQL functions returning SETOF, which PostgreSQL inlines into
-- the statement PostGraphile sends (a function returning a single row would not be inlined,
-- and would have its body planned again in every statement).

-- `Organization.ancestorsList` (PostGraphile's name for a list field): root first, the node
-- itself left out. As Orgraph finds them, from the materialized path: the proper prefixes of
-- `path` ('1.2.5.' -> '1.', '1.2.'), looked up at once on the unique index (network_id, path).
CREATE FUNCTION postgraphile_bench.organizations_ancestors(o postgraphile_bench.organizations)
RETURNS SETOF postgraphile_bench.organizations
LANGUAGE sql STABLE
AS $$
    SELECT a.network_id, a.id, a.parent_id, a.path, a.depth, a.name
    FROM public.organizations a
    WHERE a.network_id = o.network_id
      AND a.path = ANY (ARRAY(
          SELECT substr(o.path, 1, p.i)
          FROM generate_series(1, length(o.path) - 1) AS p(i)
          WHERE substr(o.path, p.i, 1) = '.'))
    ORDER BY a.path
$$;
COMMENT ON FUNCTION postgraphile_bench.organizations_ancestors(postgraphile_bench.organizations)
    IS E'@behavior -connection +list';

-- `Organization.children` (a connection): the live children ordered by (name_key, id), as
-- Orgraph orders them; a top-N read of the partial unique index (network_id, parent_id,
-- name_key) WHERE deleted_at IS NULL, which Orgraph reads for the same page.
CREATE FUNCTION postgraphile_bench.organizations_children(o postgraphile_bench.organizations)
RETURNS SETOF postgraphile_bench.organizations
LANGUAGE sql STABLE
AS $$
    SELECT c.network_id, c.id, c.parent_id, c.path, c.depth, c.name
    FROM public.organizations c
    WHERE c.network_id = o.network_id
      AND c.parent_id = o.id
      AND c.deleted_at IS NULL
    ORDER BY c.name_key, c.id
$$;
COMMENT ON FUNCTION postgraphile_bench.organizations_children(postgraphile_bench.organizations)
    IS E'@behavior +connection -list';
