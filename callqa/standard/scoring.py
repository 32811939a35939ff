"""From checkpoint outcomes to a scorecard.

score = base − the points of every failed major/minor checkpoint + the points of every
earned bonus, between 0 and base + the bonus points earned; any failed fatal checkpoint
(一票否决) makes the score 0. A call passes when it has no fatal failure and its score
reaches the standard's pass mark.
"""

from __future__ import annotations

from callqa.model import Call, Outcome, Result
from callqa.standard.schema import Standard


def scorecard(call: Call, standard: Standard, outcomes: list[Outcome]) -> Result:
    severities = {cp.id: cp.spec for cp in standard.checkpoints}
    deductions = bonus = 0.0
    fatal = False
    for o in outcomes:
        spec = severities[o.id]
        if spec.severity == "bonus":
            if o.status == "pass":
                bonus += spec.points
                o.points = spec.points
        elif o.status == "fail":
            if spec.severity == "fatal":
                fatal = True
            else:
                deductions += spec.points
    score = 0.0 if fatal else max(0.0, min(standard.base + bonus, standard.base - deductions + bonus))
    return Result(
        call_id=call.call_id, standard=standard.ref, score=round(score, 2),
        passed=not fatal and score >= standard.pass_mark, fatal=fatal, checkpoints=outcomes,
        agent_id=call.agent_id, team=call.team, started_at=call.started_at,
    )
