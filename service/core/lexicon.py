"""Word lists of the quote extractor that are plain English, not rules: speech verbs.

One job: hold the vocabulary, so that the modules with rules stay short and import no circle.
"""

from __future__ import annotations

# Verbs that report speech or writing, in the forms news copy uses them (past, present third
# person, participle). Base forms are left out but for "say": "will answer"is no report.
# One string split once: a few hundred words read more easily as prose than as a list.
SPEECH_VERBS: list[str] = (  # noqa: SIM905
    # saying, telling, writing
    "said says say saying told tells telling wrote writes writing stated stating "
    "added adds adding noted noting remarked remarking commented "
    "commenting mentioned observed explained explains explaining "
    "described describes describing recounted recalled recalls recalling "
    "reported testified continued announced announces announcing "
    "declared declares declaring proclaimed proclaiming "
    "tweeted tweets tweeting posted emailed texted blogged "
    # answering
    "replied replies replying responded responds responding answered answering "
    "countered countering retorted reacted "
    # asking and urging
    "asked asks asking wondered wonders wondering pressed questioned inquired demanded "
    "demanding urged urges urging pleaded implored begged "
    # arguing and claiming
    "argued argues arguing claimed claiming insisted insists insisting "
    "maintained maintains maintaining contended contends asserted asserts asserting "
    "alleged alleges alleging charged suggested suggests suggesting "
    "predicted predicts predicting warned warns warning cautioned cautions cautioning "
    "speculated theorized reasoned concluded "
    # conceding
    "acknowledged acknowledges acknowledging admitted admits admitting conceded concedes "
    "conceding confessed confirmed confirms confirming agreed agrees denied denies denying "
    # promising
    "vowed vows vowing promised promising pledged pledges pledging assured assures "
    # stressing and repeating
    "emphasized emphasised emphasizes emphasizing emphasising stressed stressing "
    "underscored reiterated reiterating repeated repeating echoed echoing "
    # manner of speaking
    "shouted shouts shouting yelled yells screamed exclaimed interjected quipped quips "
    "chanted chants chanting "
    "joked jokes joking cracked snapped scoffed fumed thundered sighed mused lamented "
    "lamenting complained complains complaining grumbled boasted boasts boasting "
    "bragged bragging gushed raved opined opines vented bemoaned laments "
    # judging and labelling (with a partial quote: "dismissed the audit as “a hit job”")
    "called calling labeled labelled labeling labelling branded "
    "branding termed deemed characterized characterised "
    "characterizing dismissed dismissing "
    "criticized criticised criticizes criticizing criticising praised praises praising "
    "hailed hailing lauded commended commending applauded accused accuses accusing "
    "blamed blaming slammed slamming blasted blasting mocked "
    "mocking ridiculed derided decried condemned condemning denounced "
    "denouncing lambasted chided scolded rebuked attacked attacking "
    "thanked thanking cited citing listed directed ordered "
    "portrayed portrays portraying assailed assails heralded characterizes hammered hammering "
    # present tenses that are seldom plural nouns after a name ("Conway notes", "what she
    # calls"; "the calls", "his calls" are no cue: a determiner before a cue word rules it
    # out); "remarks", "states" are left out: "anti-Muslim remarks", "Asian states" are no speech
    "notes recalls continues answers concludes repeats calls "
    # more manners of telling
    "remembered yelling screaming exclaiming whispered whispering"
).split()
# Cues of several words; "according to X" and "in the words of X" name the speaker after them.
SPEECH_PHRASES = (
    "shot back", "fired back", "chimed in", "weighed in", "piped up", "referred to",
    "refers to", "referring to", "made clear", "making clear", "pointed out", "points out",
    "went on", "goes on", "put it", "puts it", "according to", "in the words of", "According to",
    "In the words of",
)  # fmt: skip
