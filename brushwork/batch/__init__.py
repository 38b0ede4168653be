"""``brushwork batch``: many photos × many styles, on a local pool of processes or a Dask cluster.

A batch is a list of tasks, each one ``brushwork.jobs.Job`` with the file it writes (``plan``). Each is
run by ``task.run_task``, which calls the same job function as the CLI and the studio and knows
nothing about where it runs; ``local`` (a pool of spawned processes) and ``cluster`` (Dask distributed)
only carry tasks there and rows back, and ``driver`` keeps the results manifest and the progress bar.
"""
