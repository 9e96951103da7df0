"""Apache Spark as a second engine: the local session of a project and landing copied to Spark."""
