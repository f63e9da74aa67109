"""The world: Blocksworld states, goals, vocabularies, domain recognition, PDDL I/O, the seed's text, the simulator."""
