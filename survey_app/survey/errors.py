"""What can go wrong when a student uses an access code; views turn these into pages."""


class CodeProblem(Exception):
    """The code typed on the code page cannot open a questionnaire."""


class UnknownCode(CodeProblem):
    """No code like this was issued (or it was mistyped)."""


class CodeAlreadyUsed(CodeProblem):
    """The student already completed this wave with this code."""


class CodeNotUsable(CodeProblem):
    """The code exists but must not open the survey.

    The reason (opt-out, withdrawal, revoked, left the school) is kept from the
    student on purpose: it is private, and the teacher can look it up.
    """


class CodeInUseElsewhere(CodeProblem):
    """The code's survey is open on another computer right now.

    The teacher can release it, for example when that computer has crashed.
    """


class SurveyClosed(CodeProblem):
    """The code's wave is not open today (before it starts or after it ends)."""


class NoSittingOpen(CodeProblem):
    """The study lets codes work only in a supervised sitting, and none is open."""


class NoStudentSession(Exception):
    """This browser has no survey in progress."""


class SessionTakenOver(Exception):
    """The same code was entered in another tab, or released by the teacher."""


class StudentMayNotContinue(Exception):
    """An opt-out, a revoked code or leaving the school stopped a survey under way."""


class PageNotAllowed(Exception):
    """The page asked for is not the student's to see yet."""


class InvalidAnswers(Exception):
    """A submitted page holds answers that the page does not ask for."""
