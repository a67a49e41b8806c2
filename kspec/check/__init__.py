"""``kspec check``: invariants over cluster states and the engines that explore interleavings."""
