"""The local Spark session of a project: where its tables live, and the session itself.

In local mode the Spark "cluster" is the dvkit process: PySpark starts a JVM, and the tables are
Parquet files under the project's ``.dvkit/spark/warehouse`` with their catalog in an embedded
Derby metastore (``.dvkit/spark/metastore``). dbt-spark's ``session`` method asks PySpark for *the*
session of the process, so the session made here is the one a build's dbt run uses too: landing
copied by ``generator.spark.landing`` and the vault dbt builds share one catalog.

The profile (``dbt_vault/profiles.yml``, output ``spark``) reads the same places from the
environment, so ``dbt`` run by hand finds them:

>>> places = SparkPlaces.of(Path("proj"))
>>> sorted(places.dbt_env().items())  # doctest: +NORMALIZE_WHITESPACE
[('DVKIT_SPARK_METASTORE', 'proj/.dvkit/spark/metastore'),
 ('DVKIT_SPARK_WAREHOUSE', 'proj/.dvkit/spark/warehouse')]
>>> places.settings()["spark.sql.session.timeZone"]
'UTC'
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generator.errors import DvkitError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# Local mode on the machine's cores; few shuffle partitions, since one machine's data is small.
LOCAL_SETTINGS = {
    "spark.master": "local[*]",
    "spark.sql.shuffle.partitions": "4",
    "spark.ui.enabled": "false",
    # dvkit prints a line per finished model; Spark's stage bars would write over them.
    "spark.ui.showConsoleProgress": "false",
    # Load times are wall-clock times without a zone (PostgreSQL's `timestamp`): read and shown as is.
    "spark.sql.session.timeZone": "UTC",
    # Overwriting batches replaces only their partitions: copying a batch again is idempotent.
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
    # Landing is partitioned by `_batch_id`, a name the Hive metastore's filter syntax cannot parse:
    # Spark lists the partitions and prunes them itself.
    "spark.sql.hive.metastorePartitionPruning": "false",
}


@dataclass(frozen=True)
class SparkPlaces:
    """The warehouse (table files) and metastore (catalog) folders of one project's local Spark."""

    warehouse: Path
    metastore: Path

    @classmethod
    def of(cls, project_dir: Path) -> SparkPlaces:
        home = project_dir / ".dvkit" / "spark"
        return cls(home / "warehouse", home / "metastore")

    def settings(self) -> dict[str, str]:
        """The Spark settings of a local session on these folders."""
        return {**LOCAL_SETTINGS,
                "spark.sql.warehouse.dir": str(self.warehouse.absolute()),
                "spark.hadoop.javax.jdo.option.ConnectionURL":
                    f"jdbc:derby:;databaseName={self.metastore.absolute()};create=true",
                # Derby writes its log into the working directory unless told otherwise.
                "spark.driver.extraJavaOptions": f"-Dderby.system.home={self.metastore.parent.absolute()}"}

    def dbt_env(self) -> dict[str, str]:
        """What the ``spark`` output of the profile reads."""
        return {"DVKIT_SPARK_WAREHOUSE": str(self.warehouse), "DVKIT_SPARK_METASTORE": str(self.metastore)}

    def remove(self) -> bool:
        """Delete the local Spark tables and catalog; say whether there were any."""
        home = self.warehouse.parent
        if not home.exists():
            return False
        shutil.rmtree(home)
        return True


def local_session(places: SparkPlaces) -> SparkSession:
    """The process's Spark session on ``places`` (made on first use; a JVM start takes some seconds).

    Raises a ``DvkitError`` saying what to install when PySpark or Java is missing.
    """
    try:
        from pyspark.sql import SparkSession
    except ModuleNotFoundError:
        raise DvkitError("PySpark is not installed", hint="pip install 'dvkit[spark]' (Java 17 or 21 is needed too)")\
            from None
    if shutil.which("java") is None and not _java_home():
        raise DvkitError("no Java runtime found for Spark",
                         hint="install Java 17 or 21 (e.g. apt install openjdk-17-jre-headless) or set JAVA_HOME")
    places.warehouse.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.appName("dvkit")
    for key, value in places.settings().items():
        builder = builder.config(key, value)
    session = builder.enableHiveSupport().getOrCreate()
    # Spark's warnings are for its operators (e.g. "using an existing Spark session" on every dbt
    # model); its errors still reach dvkit, which reports them.
    session.sparkContext.setLogLevel("ERROR")
    return session


def _java_home() -> bool:
    import os

    home = os.environ.get("JAVA_HOME")
    return bool(home) and (Path(home) / "bin" / "java").exists()
