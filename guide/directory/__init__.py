"""The directory of points of service, stored as Open Referral HSDS 3.0 tables.

Layout (``corpus/directory``):

- ``*.csv`` + ``datapackage.json``: the merged HSDS 3.0 tables (what a 211 operator or a CISSS can
  load, and what ``guide.directory.near`` reads);
- ``layers/<layer>/*.csv``: one set of HSDS tables per source, rebuilt by its importer
  (``core``: taxonomies and needs; ``helplines``: province-wide lines and their areas; ``regional``:
  regional doors and lines of ``regional_lines.csv``; ``m02``: CLSC points of service;
  ``hsds-<name>``: each external HSDS directory imported);
- ``reports/*.csv``: one line per source row (accepted, classified out or rejected, with the reason).

Modules: ``needs`` (taxonomy loader), ``hsds`` (table schema and I/O), ``validate`` (row checks),
``m02`` (MSSS installations → CLSC intake points), ``lines`` (help lines), ``regional`` (regional
doors and lines), ``precedence`` (which of conflicting lines is shown), ``areas`` (service areas and
a person's place), ``hours`` (hours text → HSDS schedules, French and English), ``community``
(external HSDS import), ``importer`` (rerunnable imports and merge), ``store`` (loaded directory),
``near`` (``services_near``), ``records`` (search records), ``coverage`` (per-region coverage report).
"""
