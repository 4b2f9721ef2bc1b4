"""Scoping: import the exposed records, work out who lives where and what was exposed, count per jurisdiction.

Pipeline (every step streams; nothing holds the whole file):

1. :func:`prepare_import` reads the header, detects the column mapping (or
   takes a mapping YAML file) and validates it. Formats: CSV (any delimiter
   and encoding, UTF-8 default), JSON Lines, Excel ``.xlsx`` (read-only).
2. :func:`plan_chunks` cuts the file into chunks: byte ranges ending on a
   record boundary for CSV/JSONL, row ranges for XLSX.
3. :func:`process_chunk` — a pure function of (spec, chunk, work dir) —
   parses, validates, normalises, de-duplicates within the chunk and seals
   each person; it writes the sealed people and the row problems to a chunk
   file in the work directory and returns only counts and that path. Chunks
   can run in threads, processes or Prefect/Dask tasks.
4. :func:`commit_import` writes the row report from the chunk files (in the
   work directory: a private temporary directory, mode 0700, removed
   afterwards), then — only if no row was rejected or ``accept_rejected`` —
   streams the chunk files in order into the legal record: the first
   occurrence of a person is inserted (raw DBAPI ``executemany`` on SQLite,
   Core ``insert`` elsewhere), a later occurrence (another chunk, or an
   earlier import) is merged into the recorded row; only the set of identity
   keys seen is held in memory. It then writes the per-jurisdiction counts and
   the exposed elements into the facts with ``update_facts`` (which
   re-evaluates obligations and audits), all in the caller's one transaction.
   Any failure before or during that step leaves the database unchanged.

Residency comes from :mod:`breachclock.residency` (state/province field, else
US ZIP, else country; otherwise ``unknown``, counted and reported).

**Who is the same person.** Names are folded (accents and punctuation off,
lower case, "Last, First" turned round), e-mail addresses lower-cased, phone
numbers reduced to digits (a leading US ``1`` dropped from 11 digits),
addresses folded and joined with the 5-digit ZIP. The identity is the
normalised full name plus the first of: e-mail, phone, postal address+ZIP;
without a name, the e-mail, phone or address alone. A name with no contact
detail at all is never merged with anyone (identity = name + source + line:
two "John Smith"s without contact details count as two people; re-importing
the same file does not duplicate them). The stored ``identity_key`` is
``Sealer.identity(identity)`` (keyed HMAC), unreadable without the key.
**On a merge** the exposed elements are the union; each contact field keeps
the first non-empty value (file order, earlier imports first); the
jurisdiction is the first known one. This works within a file, across chunks
and against people already imported for the incident.

**Exposed elements** per person are the union of: a per-row list column
(``ssn;dob``, separators ``; , |``), per-element flag columns (``has_ssn=Y``),
the caller's incident-wide list, and ``name`` when the record carries a name
(``name_exposed``, default true: the extract is what was exposed; set it false
in the mapping file when names only came from a contact system).

**Personal data** is sealed (encrypted) inside :func:`process_chunk` and never
leaves it in clear: not in logs, exception messages, chunk results or the row
report, which shows at most a masked value (``J***h``).
"""
