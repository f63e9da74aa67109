"""Other people's formats: PlanBench's instances, prompts and results files, each format one module."""
