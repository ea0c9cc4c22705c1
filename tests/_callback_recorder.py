"""A recording callback for the callback tests, importable by loky workers."""


def context_path(context):
    names = []
    while context is not None:
        names.append(f"{context.estimator_name}:{context.task_name}")
        context = context.parent
    return "/".join(reversed(names))


class Recorder:
    """Records every hook call as a tuple; ``events`` may be a Manager list."""

    max_propagation_depth = None  # auto-propagated to every level

    def __init__(self, events=None):
        self.events = [] if events is None else events

    def setup(self, estimator, context):
        self.events.append(("setup", context.estimator_name, context.task_name))

    def teardown(self, estimator, context):
        self.events.append(("teardown", context.estimator_name, context.task_name))

    def on_fit_task_begin(self, estimator, context, **kwargs):
        self.events.append(self._event("begin", context))

    def on_fit_task_end(self, estimator, context, **kwargs):
        self.events.append(self._event("end", context))

    @staticmethod
    def _event(kind, context):
        """``(kind, path, key, max_subtasks, sequential, source_task_name)``.

        ``key`` names the task: a sub-estimator's root task merged into a
        meta-estimator's leaf task is the same task (same parent, same id).
        """
        parent = "" if context.parent is None else context_path(context.parent)
        return (
            kind,
            context_path(context),
            (str(context.root_uuid), parent, context.task_id),
            context.max_subtasks,
            context.sequential_subtasks,
            context.source_task_name,
        )
