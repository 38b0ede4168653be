"""The studio's routes, one router per concern: the page, images, jobs and the queue, live events."""
