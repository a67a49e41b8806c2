"""The cluster model: immutable state, the store (the API server's write rules), environment
events and the runner that drives controllers to quiescence."""
