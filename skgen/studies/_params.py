"""The parameters the three studies share, declared once and documented in each study's run function.

A ``run_*_study`` function writes :data:`STUDY_MARKER` in its Parameters section, beside the
entries of its own parameters (``profile``, ``random_state``, ...), and is decorated by
:func:`study_parameters`, which puts there the entries of the parameters of
:data:`STUDY_PARAMETERS` it takes, in the words of that study and with the defaults of its
signature (by :func:`skgen._core.params.document_parameters`, as the estimators' templates do).
"""

import inspect

from skgen._core.params import document_parameters

#: where a run function's Parameters section takes the entries of the shared parameters
STUDY_MARKER = "    %(study_parameters)s\n"

#: name -> (constraints, type, description) of the parameters every study takes. In a description,
#: ``{unit}`` is what the study keeps as one piece of work (a run, a point, a model), ``{study}`` its
#: name and ``{settings}`` the parameters of its ``resume_settings``. The constraints are empty:
#: each study checks what it takes where it uses it (``resume`` by ``check_resume_flag``).
STUDY_PARAMETERS = {
    "out": ((), "path-like", "Output folder."),
    "data_home": ((), "path-like", "See :func:`skgen.datasets.get_data_home`."),
    "device": ((), "str", "Where the models train."),
    "n_jobs": ((), "int", "Number of {unit}s trained in parallel (joblib)."),
    "resume": ((), "bool", "Continue the interrupted run in ``out``: every {unit} finished is kept in "
               "``out/partial-{study}/`` as soon as it finishes, and only the others are trained. The settings "
               "above that change the results ({settings}) must be the interrupted run's. Without ``resume``, an "
               "``out`` that holds finished {unit}s of an interrupted run is refused."),
}


def study_parameters(study, unit, resume_settings, notes=None):
    """A decorator that documents the shared parameters a study's run function takes where its
    docstring writes :data:`STUDY_MARKER`.

    Parameters
    ----------
    study : str
        The study's name, as its partial runs are kept: ``out/partial-<study>/``.
    unit : str
        One piece of work the study keeps as soon as it finishes ("run", "point", "model").
    resume_settings : callable
        The study's ``resume_settings``: the parameters it takes are those a resumed run must share.
    notes : dict, default=None
        Name -> a sentence that this study adds to the shared description.
    """
    settings = ", ".join(f"``{name}``" for name in inspect.signature(resume_settings).parameters)
    declared = {name: (constraints, kind, text.format(unit=unit, study=study, settings=settings))
                for name, (constraints, kind, text) in STUDY_PARAMETERS.items()}

    def document(function):
        document_parameters(function, declared, notes, marker=STUDY_MARKER)
        return function

    return document
