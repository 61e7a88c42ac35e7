"""What the analyzer keeps: the DuckDB store and everything that writes safely beside it.

::

    database  Store and RunData: runs, responses, mentions, themes, rejects in one file
    rows      rows of the store's tables to and from the DataFrames of ARCHITECTURE.md
    schema    the tables, their migrations and the schema version
    dbfile    opening the file from many processes: short connections, lock waits
    atomic    files and folders that a crash cannot tear
    jobs      the service's durable queue of analysis jobs
    audit     who wrote what, committed with the write

Database rows are mapped to and from DataFrames only inside this package.
"""

from analyzer.store.database import SCHEMA_VERSION, RunData, Store

__all__ = ["SCHEMA_VERSION", "RunData", "Store"]
