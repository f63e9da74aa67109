if __name__ == "__main__":  # not when a worker process (spawned) imports this module
    from .cli import main

    main()
