-- HRIS: departments (with their hierarchy) and employees.

CREATE TABLE departments (
    tenant_id           text NOT NULL REFERENCES tenants (tenant_id),
    internal_id         text NOT NULL,
    name                text,
    parent_internal_id  text,
    subsidiaries        text[] NOT NULL DEFAULT '{}',
    is_inactive         boolean NOT NULL DEFAULT false,
    raw                 jsonb NOT NULL,
    discovered_at       timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, internal_id)
);

CREATE TABLE employees (
    tenant_id               text NOT NULL REFERENCES tenants (tenant_id),
    internal_id             text NOT NULL,
    entity_id               text,
    first_name              text,
    last_name               text,
    email                   text,
    title                   text,
    -- Links to departments by (tenant_id, department_internal_id).
    department_internal_id  text,
    department_name         text,
    subsidiary              text,
    supervisor_internal_id  text,
    supervisor_name         text,
    is_inactive             boolean NOT NULL DEFAULT false,
    hire_date               date,
    release_date            date,
    employee_type           text,
    employee_status         text,
    location                text,
    last_modified           timestamptz,
    raw                     jsonb NOT NULL,
    discovered_at           timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, internal_id)
);
CREATE INDEX employees_department ON employees (tenant_id, department_internal_id);

-- Each department with its full path from the root ("Engineering : Platform : Data") and
-- depth; a parent that is missing or a cycle ends the walk.
CREATE VIEW department_paths AS
WITH RECURSIVE walk (tenant_id, internal_id, current_id, path, depth, visited) AS (
    SELECT d.tenant_id, d.internal_id, d.parent_internal_id, coalesce(d.name, d.internal_id), 0, ARRAY[d.internal_id]
    FROM departments d
    UNION ALL
    SELECT w.tenant_id, w.internal_id, p.parent_internal_id, coalesce(p.name, p.internal_id) || ' : ' || w.path,
           w.depth + 1, w.visited || p.internal_id
    FROM walk w
    JOIN departments p ON p.tenant_id = w.tenant_id AND p.internal_id = w.current_id
    WHERE NOT p.internal_id = ANY (w.visited)
)
SELECT DISTINCT ON (tenant_id, internal_id) tenant_id, internal_id, path, depth
FROM walk
ORDER BY tenant_id, internal_id, depth DESC;
