"""Skills: technical and soft, or one specific skill ("do I need SEO?")."""
from __future__ import annotations

from sqlalchemy.orm import Session

from actions.base import Ask, Button, KnowledgeAction, Reply, lower_first
from knowledge import queries


class ActionTellSkills(KnowledgeAction):
    """List skills by kind, or say whether one named skill matters and why."""

    topic = "skills"
    action_name = "action_tell_skills"

    def build(self, session: Session, ask: Ask) -> Reply:
        """One skill, one kind, or a short overview of both kinds."""
        assert ask.career is not None
        career = ask.career
        # The learner's words name the skill as this career's sources list it; the NLU's value
        # may be another career's skill of the same name.
        said = (queries.find_skill(session, ask.text, career.slug)
                if not ask.text.startswith("/") and not ask.skill_kind else None)
        own = ask.skill if ask.skill and ask.skill in queries.skills(session, career.slug) else None
        skill = said or own or (queries.find_skill(session, ask.skill.name, career.slug) if ask.skill else None)
        if ask.skill_kind and not (said or own):
            skill = None
        if skill:
            return Reply([f"Yes. {skill.name} is one of the {skill.kind} skills employers look "
                          f"for in {career.name.lower()}: {lower_first(skill.why)}"],
                         [skill.citation],
                         [Button(f"All {skill.kind} skills", "ask_skills", {"skill_kind": skill.kind}),
                          Button("Certifications", "ask_certifications"),
                          Button("Plan my route", "request_plan")],
                         slots={"skill_kind": skill.kind})
        if ask.skill_kind in ("technical", "soft"):
            kind = ask.skill_kind
            items = queries.skills(session, career.slug, kind=kind)
            other = "soft" if kind == "technical" else "technical"
            lines = [f"{kind.capitalize()} skills for {career.name.lower()}:"]
            lines += [f"- {s.name}: {lower_first(s.why)}" for s in items[:8]]
            return Reply(lines, [s.citation for s in items],
                         [Button(f"{other.capitalize()} skills", "ask_skills", {"skill_kind": other}),
                          Button("Certifications", "ask_certifications"),
                          Button("Plan my route", "request_plan")],
                         slots={"skill_kind": kind})
        technical = queries.skills(session, career.slug, kind="technical")
        soft = queries.skills(session, career.slug, kind="soft")
        lines = [f"{career.name} needs both kinds of skill:",
                 "- Technical: " + ", ".join(s.name for s in technical) + ".",
                 "- Soft: " + ", ".join(s.name for s in soft) + "."]
        return Reply(lines, [s.citation for s in technical + soft],
                     [Button("Technical skills in detail", "ask_skills", {"skill_kind": "technical"}),
                      Button("Soft skills in detail", "ask_skills", {"skill_kind": "soft"}),
                      Button("Certifications", "ask_certifications")])
