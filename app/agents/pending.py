"""What waits for the owner's decision: pending applications and level proposals, oldest first."""
from dataclasses import dataclass

from app.agents.models import Agent, AgentApplication, AgentLevel, LevelProposal


@dataclass(frozen=True)
class PendingDecisions:
    """The oldest few of each kind (dicts with names filled in) and how many wait in all."""

    applications: list
    application_total: int
    proposals: list
    proposal_total: int


def pending_decisions(*, limit=5):
    """The oldest `limit` pending applications and level proposals with agent and level names, and their totals."""
    inviter = Agent.alias()
    applications = (AgentApplication
                    .select(AgentApplication.id, AgentApplication.name, AgentLevel.name.alias("level"),
                            inviter.name.alias("inviter"))
                    .join(AgentLevel).switch(AgentApplication)
                    .join(inviter, on=(AgentApplication.inviter == inviter.id))
                    .where(AgentApplication.status == "pending"))
    from_level, to_level = AgentLevel.alias(), AgentLevel.alias()
    proposals = (LevelProposal
                 .select(LevelProposal.id, LevelProposal.reason, Agent.name.alias("agent"),
                         from_level.name.alias("from_level"), to_level.name.alias("to_level"))
                 .join(Agent).switch(LevelProposal)
                 .join(from_level, on=(LevelProposal.from_level == from_level.id)).switch(LevelProposal)
                 .join(to_level, on=(LevelProposal.to_level == to_level.id))
                 .where(LevelProposal.status == "pending"))
    return PendingDecisions(
        applications=list(applications.order_by(AgentApplication.id).limit(limit).dicts()),
        application_total=AgentApplication.select().where(AgentApplication.status == "pending").count(),
        proposals=list(proposals.order_by(LevelProposal.id).limit(limit).dicts()),
        proposal_total=LevelProposal.select().where(LevelProposal.status == "pending").count())
