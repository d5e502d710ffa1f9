"""A pod's whole story, in log order: queue moves, gates, attempts, preemption, bind result, deletion."""

from .build import Entry, PodStory, build_stories, story_of

__all__ = ["Entry", "PodStory", "build_stories", "story_of"]
