"""brushwork studio: a local web page to paint in, with a queue that survives restarts and a gallery.

``brushwork studio`` serves it. The server (``app``) never imports torch; one worker process does.
Needs the ``studio`` extra: ``pip install 'brushwork[studio]'`` (``bash scripts/install --studio``).
"""
