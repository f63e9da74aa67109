"""Planning: move primitives, breadth-first, exact and partial-goal search, and unified-planning's engines."""
