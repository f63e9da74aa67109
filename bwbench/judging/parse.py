"""Reading a plan out of model output: tolerant of how models really write, and never raising.

A completion is read line by line. Lines marked ``step 3:``, and lines whose
text starts with an action verb after any marker (``3.``, ``- ``, ``### ``),
are *step lines*; everything else is chatter and is skipped. A step line is
read as the seed's two-verb NL (``pick-up X``, ``stack X on-top-of Y``), as a PDDL action
(``(unstack x y)``), as a call (``Unstack(x, y)``) or as the four operators in
words (``unstack X from Y``, ``put down X``), in any case, with optional
``the`` and ``block``; markdown (``**bold**``, ``_italics_``, backticks), a
lead-in word (``Then,``, ``Perform``) and a remark in parentheses are ignored.
An action followed by an explanation on the same line (``2. Attack object c.
This removes ...``, ``Unstack(a, b) - because ...``) is read as that action,
and a second action joined to it (``unstack red from blue, then put it down``)
as a second step; a line that only describes states or effects does not start
with a verb and is chatter. A step the line itself takes back (``6. Stack red on
blue is not possible, so first put down blue``) is not a step: what follows
"so" is, if it is an action. A step line that cannot be read is kept as
*unreadable* at its position, so the judge can tell a hole in the plan from a
last line that was cut off.

With a :class:`~bwbench.world.vocab.Vocabulary`, the domain's own action
names and templates are read too (Mystery Blocksworld's ``feast object d from
object c``, ``Attack c``, ``(feast d c)``); a step worded with one of them is
that operator exactly (an :class:`Action`), as a PDDL action is. Objects come
back as the vocabulary's PDDL names (``a``) whichever of its words the text
used (``the red block``, ``red``, ``Red Block``, ``object a``, ``object_a``,
``a``), and a step that names anything else (``Attack object``) is unreadable.
What a vocabulary adds is compiled once per vocabulary object.

Where the plan is. The text is read up to a chat template's end token. When
it marks its plan PlanBench's way, only the first marked part that holds a step
is read: what lies between ``[PLAN]`` and ``[PLAN END]``, or what precedes a
first ``[PLAN END]`` (the prompt itself ended with ``[PLAN]``); what follows
``[PLAN END]`` is not plan. Otherwise the steps fall into *runs*, and one run
is the plan:

- A new run starts where step numbers go back (``1.`` after ``6.``); where
  numbered steps start after unnumbered ones and other text; and where
  unnumbered steps follow numbered ones and other text, or follow a header
  (``Plan:``, ``**Summary of Actions:**``, ``### Final Plan``, a short line
  ending in a colon).
- Unnumbered lines indented under a numbered step that was read explain it:
  one that restates it (``1. **Unstack red from blue**`` then ``   - Action:
  unstack red from blue``) or cannot be read is skipped; one that names
  another action (``   - Put down red``) is a step of it.
- Runs that agree step for step, as far as the shorter goes, are one plan
  read more than once (an explanation then its summary, a plan then the same
  plan in PDDL, a check of the plan cut short): it is read once, as far as
  the longest goes.
- Of the runs that differ, the plan is the first (a completion that goes on
  to pose and solve another problem is read for its own plan), unless a later
  run is introduced as the outcome, by a header that says final, summary,
  corrected, revised, answer and the like (reasoning, then the plan it
  settled on), and is read as fully (no more unreadable lines than the run
  it would replace).

Strict reading (exactly the seed's format, :func:`bwbench.world.text.parse_plan`)
is tried first; it is both the fast path and the strict mode the judge reports.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Collection

from ..world.state import TABLE, Action, Op
from ..world.text import NLStep, strict_steps
from ..world.vocab import Vocabulary

Step = Action | NLStep

MAX_CHARS = 65_536
"""Only this much of a completion is read, so every example costs a bounded time.

No plan for 10 blocks needs more than a few thousand characters."""

_END = re.compile(r"</s>|<\|(?:eot_id|im_end|endoftext|end_of_text|end)\|>|<end_of_turn>|<eos>")
_MARK = re.compile(r"\[\s*(?:query[\s_]*)?plan(?P<end>[\s_]*end)?\s*\]", re.I)
_OUTCOME = r"final|summary|summari[sz]ed|corrected|correct|valid|revised|updated|answer|complete|resulting|overall"
_HEADER = re.compile(
    r"[#>*_\s]*(?:(?:here\s+is\s+|here's\s+)?(?:the\s+|my\s+|your\s+|a\s+)?"
    rf"(?:(?:{_OUTCOME}|optimal|proposed|new|full|step[- ]by[- ]step|pddl|action|text|concise)\s+)*"
    r"(?:plan(?:\s+of\s+actions?|\s+summary)?|summary(?:\s+of\s+(?:the\s+)?(?:actions?|steps|plan))?|solution|answer"
    r"|sequence\s+of\s+actions|(?:list\s+of\s+)?actions|steps))\s*[*_]*\s*(?::|$)\s*[*_]*\s*(?P<rest>.*)",
    re.I,
)
_HEADER_WORD = re.compile(r"plan|summar|solution|answer|action|step")  # one of which a header holds
_OUTCOME_WORD = re.compile(rf"\b(?:{_OUTCOME})\b", re.I)
# A header of another kind: a markdown heading, or a short line ending in a colon that is no list item.
_SOFT = re.compile(r"#.*|(?:\*\*|__)?[^-*•+>\s\d(][^:]{0,100}:[\s*_]*", re.S)
_MARKER = re.compile(
    r"(?:[-*•+>#]\s*)*"
    r"(?:\**\s*(?:step|action|move)\s*#?\s*(?P<n>\d+)\s*\**\s*(?P<sep>[:.)-])?\s*\**\s*"
    r"|\(?#?(?P<m>\d+)\s*[:.)]\s*)?",
    re.I,
)
_INNER_STEP = re.compile(r"(?<=\S)\s+(?=(?:\**\s*)?step\s*#?\s*\d+\s*\**\s*[:.)])", re.I)
_LEAD = re.compile(
    r"(?:(?:first(?:ly)?|second(?:ly)?|third(?:ly)?|then|next|now|finally|lastly|afterwards|after\s+that|subsequently"
    r"|action|do|perform|execute|apply)\s*[,:]?\s+)+",
    re.I,
)
_ITALIC = re.compile(r"(?<!\w)_([^_\s]+)_(?!\w)")
_IT = re.compile(r"\bit\b", re.I)
_INNER_NUMBER = re.compile(r"(?<=\S)\s+(?=\d{1,2}[.)]\s+\S)")
_INNER = re.compile(r"(?<=\s\()[^()]*(?=\))")
_REMARK = re.compile(r"\s+\([^()]*\)(?=.)")
# A step the model takes back on its own line: "Stack red on blue is not possible, so first put down blue."
_RETRACT = re.compile(
    r"\s+(?:is|was|would\s+be)\s+(?:not|n't)\s+(?:correct|possible|needed|necessary|required|valid|right|allowed|"
    r"the\s+goal)\b(?P<why>.*)$", re.I)
_RETRACT_THEN = re.compile(r"(?:^|[,;:.]\s*|\s)(?:so|but|instead)\b[\s,:]*(?:first\s+|instead\s+|we\s+)?(?P<then>.*)$", re.I)
_AND_THEN = re.compile(r"[\s,;.]*(?:and(?:\s+then)?)?[\s,;.:]*$", re.I)

_NAME = r"[^\W_][\w-]*(?![\w-])"  # a whole word: no backtracking into it
_PREPS = r"(?:on|onto|from|to|atop|upon|the|top|of|off|down|up|block)"
_Q = r"[<\"'`]?"  # a name may be quoted or bracketed: <red>, "red", `red`
_QE = r"[>\"'`]?"
_TAIL = r"\s*[.,;!)]*(?:(?<=;).*|\s+(?:\(|#|//|--|—|–|;).*)?"  # then a remark, or a comment
# What may follow an action when an explanation follows it on the same line.
_BOUNDARY = (r"(?=\s*(?:[.,;:!?]|\s-|[–—(\[]|$)|\s+(?:since|because|as|so|to|which|this|that|then|now|while|thereby"
             r"|thus|making|leaving|resulting|ensuring|in\s+order|and|but|we|you|i|it|after|before|with|for|here"
             r"|if|when|where|at\s+this|first|next|finally|in|beside)\b)")
_AFTER_PDDL = re.compile(rf"{_TAIL}$|{_BOUNDARY}", re.I)
_PDDL_OPS = {"pickup": Op.PICK_UP, "putdown": Op.PUT_DOWN, "stack": Op.STACK, "unstack": Op.UNSTACK}
_ENGLISH = r"pick[-_ ]?up|put[-_ ]?down|unstack|stack"


def _verb_pattern(verb: str) -> str:
    """A verb as a pattern: case as written aside, ``pick-up`` also as ``pick up``, ``pick_up``, ``pickup``."""
    return r"[-_\s]?".join(re.escape(w) for w in re.split(r"[-_\s]+", verb.strip()) if w)


def _one_of(words: set[str]) -> str:
    """A pattern for any of ``words`` (escaped already): a character class when each is one character."""
    if all(len(w) == 1 for w in words):
        return "[" + "".join(sorted(words)) + "]"
    return "(?:" + "|".join(sorted(words, key=len, reverse=True)) + ")"


def _norm_verb(verb: str) -> str:
    """An action name without case, hyphens, underscores or spaces: ``Pick-Up`` → ``pickup``."""
    return "".join(verb.lower().replace("-", " ").replace("_", " ").split())


class _Reader:
    """How lines are read with one vocabulary (or none): its compiled patterns and its cache of read lines."""

    def __init__(self, vocab: Vocabulary | None = None) -> None:
        ops = dict(_PDDL_OPS)  # a normalised action name → its operator
        names: dict[str, str] = {}  # a name's words, lower-cased and single-spaced → the PDDL name
        phrases: dict[str, set[str]] = {}  # names of several words, not counting "block": first words → last words
        own: list[tuple[Op, list[str], str]] = []  # the vocabulary's verbs for each operator, and its prepositions
        if vocab is not None:
            for obj, words in vocab.objects.items():
                names[" ".join(obj.lower().replace("_", " ").split())] = obj
                short = re.sub(r"(?i)\s+block$", "", words.strip()).lower().split()
                for form in (" ".join(words.lower().split()), " ".join(short)):
                    if form:
                        names.setdefault(form, obj)
                if len(short) > 1:
                    phrases.setdefault(r"[\s_]+".join(map(re.escape, short[:-1])), set()).add(re.escape(short[-1]))
            for op in Op:
                verbs = [vocab.actions.get(op, "")]
                template = vocab.action_words.get(op, "")
                pieces = template.split("{}")
                preps = ""
                if len(pieces) > 1:
                    verbs.append(re.sub(r"(?i)\s+the$", "", pieces[0].strip()))
                    if len(pieces) > 2:
                        words = re.sub(r"(?i)^the\s+|\s+the$", "", pieces[1].strip())
                        preps = r"\s+".join(map(re.escape, words.split()))
                verbs = [v for v in dict.fromkeys(v for v in verbs if v.strip())]
                for v in verbs:
                    ops[_norm_verb(v)] = op
                if verbs:
                    own.append((op, verbs, preps))
        self.names = names
        name = _NAME
        if phrases:  # "object a" ... "object l" as object[\s_]+(?:a|...|l), tried before a name of one word
            name = "(?:" + "|".join(rf"{first}[\s_]+{_one_of(last)}\b" for first, last in sorted(phrases.items()))
            name += f"|{_NAME})"
        free = rf"(?!{_PREPS}\b){name}"  # a name that is not a preposition
        block = rf"(?:the\s+)?(?:clear\s+)?{_Q}(?P<b>{name}){_QE}(?:\s+block)?"
        before = r"(?:the\s+)?(?:top\s+of\s+(?:the\s+)?)?(?:clear\s+|another\s+)?"
        dest = rf"{before}{_Q}(?P<d>{name}){_QE}(?:\s+block)?"
        other = rf"{before}{_Q}(?P<d>(?!(?:table|block)\b){name}){_QE}(?:\s+block)?"  # another block, not the table
        all_verbs = "|".join([_ENGLISH] + [_verb_pattern(v) for _, vs, _ in own for v in vs])
        arg = rf"[<\"'`]?(?:{name}|[^\s(),]+)[>\"'`]?"
        self.pddl = re.compile(
            rf"\(\s*(?P<op>{all_verbs})\s+(?P<b>{arg})(?:\s+(?:(?:from|on|onto)\s+)?(?P<d>{arg}))?\s*\)", re.I)
        one = re.sub(r"\(\?P<\w+>", "(?:", self.pddl.pattern)
        self.pddl_line = re.compile(rf"{one}(?:\s*[,;]?\s*{one})*", re.I)
        forms: list[tuple[str, Op | None, str]] = []
        for op, verbs, preps in own:
            verb = "|".join(_verb_pattern(v) for v in verbs)
            if op in (Op.STACK, Op.UNSTACK):
                between = "|".join(filter(None, [preps, r"from", r"off(?:\s+of)?", r"on(?:to)?", r"to", r"atop",
                                                 r"upon", r"over", r"into", r"with", r"and"]))
                forms.append(("own", op, rf"(?:{verb})\s+{block}(?:\s*,\s*|\s+(?:(?:{between})\s+)?)(?:on\s+)?{other}"))
            else:
                table = r"(?:\s+(?:on(?:to)?|to|from|off)\s+(?:of\s+)?(?:the\s+)?table)?"
                forms.append(("own", op, rf"(?:{verb})\s+{block}{table}"))
        forms += [
            ("call", None, rf"(?P<v>{all_verbs})\s*\(\s*{_Q}(?P<b>{name}){_QE}\s*"
                           rf"(?:(?:,|\s(?:from|on|onto))\s*{_Q}(?P<d>{name}){_QE}\s*)?\)"),
            # pick-up X / pick up the X block / unstack X / pick X up, optionally "from Y" or "off Y"
            ("pick", None, rf"(?P<v>pick[-_ ]?up|unstack|pick)\s+{block}(?:\s+up)?"
                           rf"(?:\s+(?:from|off)\s+(?:of\s+)?(?:on\s+)?{dest})?"),
            ("unstack2", None, rf"unstack\s+(?P<b>{free})\s+(?P<d>{free})"),
            ("down", None, rf"(?:put[-_ ]?down\s+{block}|put\s+(?:the\s+)?{_Q}(?P<b2>{name}){_QE}(?:\s+block)?\s+down)"
                           rf"(?:\s+on(?:to)?\s+(?:the\s+)?table)?"),
            # stack X on-top-of Y / put the X block on top of the Y block / place X onto the table
            ("stack", None, rf"(?:stack|put(?:[-_ ]?down)?|place)\s+{block}"
                            rf"\s+(?:on-top-of|on\s+top\s+of|onto|on|atop|upon|to)\s+{dest}"),
            ("stack2", None, rf"stack\s+(?P<b>{free})\s+(?P<d>{free})"),
        ]
        self.ops = ops
        self.full = [(kind, op, re.compile(p + _TAIL, re.I)) for kind, op, p in forms]
        self.prefix = [(kind, op, re.compile(p + _BOUNDARY, re.I)) for kind, op, p in forms if kind not in
                       ("unstack2", "stack2")]
        self.more = re.compile(rf"\s*(?:[,;]\s*(?:(?:and|then)\s+)*|\s+(?:(?:and|then)\s+)+)"
                               rf"(?=(?:pick|place|put|{all_verbs})(?![a-z]))", re.I)
        self.starts = re.compile(rf"(?:pick|place|put|{all_verbs})(?![a-z])|\(\s*(?:{all_verbs})(?![a-z])", re.I)
        # Words one of which every step line or header holds (a verb's first word): lines without any are chatter.
        self.hints = tuple(dict.fromkeys(["pick", "put", "stack", "place", "step", "action", "move", "plan", "summary",
                                          "solution", "answer"] + [re.split(r"[-_\s]+", v.strip())[0].lower()
                                                                   for _, vs, _ in own for v in vs]))
        self.line = functools.lru_cache(maxsize=16384)(self.read_line)

    def name(self, raw: str) -> str | None:
        """The name as read: lower-cased, or the vocabulary's PDDL name (None for a name the vocabulary lacks)."""
        low = raw.lower()
        if not self.names or low == TABLE:
            return low
        name = self.names.get(low)
        return name if name is not None else self.names.get(" ".join(low.replace("_", " ").split()))

    def read_line(self, raw: str) -> tuple:
        """The items of one line (names lower-cased or the vocabulary's); none for a blank line."""
        line = raw.strip()
        if not line:
            return ()
        low = line.lower()
        for hint in self.hints:
            if hint in low:
                break
        else:  # no verb, step marker or header word: chatter, or a header (fast path: most lines are chatter)
            if raw[:1].isspace() or _SOFT.fullmatch(line) is None:
                return _CHAT_LINE
            return (_OUT,) if _OUTCOME_WORD.search(line) else (_BREAK,)
        items: list = []
        header = _HEADER.fullmatch(line) if _HEADER_WORD.search(low) else None
        if header is not None:
            items.append(_OUT if _OUTCOME_WORD.search(line, 0, header.start("rest")) else _HEAD)
            line = header.group("rest").strip()
            if not line:
                return tuple(items)
            low = line.lower()
        if low.count("step") > 1:  # "Plan: step 1: pick-up red step 2: ..."
            parts = _INNER_STEP.split(line)
        elif line[0].isdigit() and _INNER_NUMBER.search(line):  # "1. Attack b  2. Overcome b from d"
            parts = _INNER_NUMBER.split(line)
        else:
            parts = (line,)
        for part in parts:
            marker = _MARKER.match(part)
            number = marker.group("n") or marker.group("m")
            body = part[marker.end():]
            if "\\" in body:  # LaTeX: "Feast \\(a\\) from \\(c\\)"
                body = body.replace("\\(", "").replace("\\)", "").replace("\\", "")
            if "*" in body:
                body = body.replace("*", "")
            if "`" in body:
                body = body.replace("`", "")
            body = body.strip(" \t_")
            if "_" in body:  # italics: "Overcome object _b_ from object _a_"
                body = _ITALIC.sub(r"\1", body)
            lead = _LEAD.match(body)
            if lead is not None:
                body = body[lead.end():]
            if self.starts.match(body) is None and marker.group("sep") is None:
                if not raw[:1].isspace() and _SOFT.fullmatch(line) is not None:
                    items.append(_OUT if _OUTCOME_WORD.search(line) else _BREAK)
                else:
                    items.append(_CHAT)
                continue
            retract = _RETRACT.search(body)
            if retract is not None and "(" not in body[:retract.start()] and \
                    self.read_step(body[:retract.start()]) is not None:  # not a remark: "(this is not needed ...)"
                # The step is taken back; what the model does instead (after "so"), if anything, is the step.
                then = _RETRACT_THEN.search(retract.group("why"))
                instead = _AND_THEN.sub("", then.group("then")) if then is not None else ""
                read = self.read_step(instead) if instead else None
                if read is None:
                    items.append(_CHAT)
                    continue
            else:
                read = self.read_step(body)
            items.append((None if number is None else int(number), None if read is None else tuple(read), part[:200]))
        return _CHAT_LINE if len(items) == 1 and items[0] is _CHAT else tuple(items)

    def read_step(self, body: str, depth: int = 0) -> list[Step] | None:
        """The action(s) one step line names, or None when it names none (or too many, nested too deep)."""
        if depth > 8:
            return None
        if body.startswith("("):
            line = self.pddl_line.match(body)
            if line is None or (line.end() < len(body) and _AFTER_PDDL.match(body, line.end()) is None):
                return None
            out: list[Step] = []
            for m in self.pddl.finditer(body, 0, line.end()):
                step = self._op_step(m.group("op"), m.group("b"), m.group("d"))
                if step is None:
                    return None
                out.append(step)
            return out
        for patterns in (self.full, self.prefix):
            for kind, op, pattern in patterns:
                m = pattern.match(body) if patterns is self.prefix else pattern.fullmatch(body)
                if m is not None:
                    read = self._step(kind, op, m)
                    if read is not None:
                        if patterns is self.prefix:
                            more = self.more.match(body, m.end())
                            if more is not None:  # a second action: "unstack red from blue, then put it down"
                                then = self.read_step(_IT.sub(read[-1].block, body[more.end():], count=1), depth + 1)
                                return None if then is None else read + then
                        return read
        if " (" in body:
            plain = _REMARK.sub("", body)  # a remark inside the action: "stack the blue block (with red on it) on ..."
            read = self.read_step(plain, depth + 1) if plain != body else None
            if read is None:  # the action in parentheses: "Stack Red Block: (Stack Red on Blue)"
                for inner in _INNER.findall(body):
                    read = self.read_step(inner.strip(), depth + 1)
                    if read is not None:
                        break
            return read
        return None

    def _op_step(self, verb: str, b: str, d: str | None) -> Step | None:
        op = self.ops.get(_norm_verb(verb))
        if op is None or (op in (Op.STACK, Op.UNSTACK)) != (d is not None):
            return None
        block, dest = self.name(b.strip("<>\"'`")), None if d is None else self.name(d.strip("<>\"'`"))
        if block is None or (d is not None and dest is None):
            return None
        return Action(op, block, dest)

    def _step(self, kind: str, op: Op | None, m: re.Match) -> list[Step] | None:
        groups = m.groupdict()
        if kind == "call":
            step = self._op_step(groups["v"], groups["b"], groups.get("d"))
            return None if step is None else [step]
        b = self.name(groups.get("b") or groups.get("b2"))
        d = groups.get("d")
        dest = None if d is None else self.name(d)
        if b is None or (d is not None and dest is None):
            return None
        if kind == "own":
            return [Action(op, b, dest)]
        if kind == "pick":
            if dest is None:
                return [NLStep("pick-up", b)]
            return [Action(Op.PICK_UP, b) if dest == TABLE else Action(Op.UNSTACK, b, dest)]
        if kind == "unstack2":
            return [Action(Op.UNSTACK, b, dest)]
        if kind == "down":
            return [Action(Op.PUT_DOWN, b)]
        return [NLStep("stack", b, dest)]


# What one line holds, as a tuple of items: (_HEAD,) for a plan header, (_OUT,) for a header that introduces
# the outcome ("Final plan:"), (_BREAK,) for another header, (_CHAT,) for chatter, (number or None, steps or None,
# text) for a step line (steps None: unreadable).
_HEAD, _OUT, _BREAK, _CHAT = "head", "outcome", "break", "chat"
_CHAT_LINE = (_CHAT,)

_PLAIN = _Reader()
_READERS: dict[int, tuple[Vocabulary, _Reader]] = {}


def _reader(vocab: Vocabulary | None) -> _Reader:
    """The compiled reader of ``vocab``, built once per vocabulary object and kept (32 at most).

    Kept by identity: a :class:`Vocabulary` is not hashable (its mappings are read-only views), and
    records share one object per distinct vocabulary (:func:`~.vocab.vocabulary_of`)."""
    if vocab is None:
        return _PLAIN
    hit = _READERS.get(id(vocab))
    if hit is not None and hit[0] is vocab:
        return hit[1]
    if len(_READERS) >= 32:
        _READERS.clear()
    reader = _Reader(vocab)
    _READERS[id(vocab)] = (vocab, reader)
    return reader


@dataclass(slots=True)
class ParsedPlan:
    """What was read from a completion.

    ``steps`` is the tolerant reading; ``strict_steps`` is the reading in exactly
    the seed's format, or None when the completion is not in that format.
    (Not frozen, for speed; treat it as read-only.)
    ``unreadable`` lists step lines that could not be read, each with the number
    of steps read before it. ``blank`` is true when the completion holds no text
    but whitespace, end tokens and a ``Plan:`` header.
    """

    steps: tuple[Step, ...]
    strict_steps: tuple[Step, ...] | None
    unreadable: tuple[tuple[int, str], ...] = ()
    notes: tuple[str, ...] = ()
    blank: bool = False

    @property
    def strict(self) -> bool:
        return self.strict_steps is not None


def parse_completion(text: str, blocks: Collection[str] | None = None, vocab: Vocabulary | None = None) -> ParsedPlan:
    """Read a plan from free text. Never raises; block names match ``blocks`` regardless of case.

    With ``vocab``, the domain's action names and templates are read too, and
    objects come back as the vocabulary's PDDL names whichever of its words the
    text used (the strict reading keeps names as written).
    """
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    notes: list[str] = []
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS]
        notes.append(f"read only the first {MAX_CHARS:,} characters")
    strict = strict_steps(text)
    if strict is not None:
        strict = tuple(strict)
    reader = _reader(vocab)
    # The seed's exact format is read as the seed's two-verb language, when its names are the problem's
    # (a vocabulary's PDDL names count; its words, "red", go through the tolerant reading, which maps them).
    if strict is not None and (blocks is None or all(fits(s, blocks) for s in strict)) and \
            (not reader.names or all(fits(s, vocab.objects) for s in strict)):
        return ParsedPlan(strict, strict, (), tuple(notes), blank=not strict)
    end = _END.search(text)
    if end is not None:
        if text[end.end():].strip():
            notes.append(f"ignored what follows the end token {end.group()}")
        text = text[:end.start()]
    read = None
    if "[" in text and _MARK.search(text) is not None:
        for section in _sections(text):
            marked: list[str] = []
            read = _tolerant(section, reader, marked)
            if read[0] or read[1]:
                notes.append("read only the part marked as the plan ([PLAN] … [PLAN END])")
                notes.extend(marked)
                break
            read = None
    if read is None:
        read = _tolerant(text, reader, notes)
    steps, unreadable, blank = read
    if blocks is not None and not all(fits(s, blocks) for s in steps):
        names = {b.lower(): b for b in blocks}
        steps = [_rename(s, names) for s in steps]
    return ParsedPlan(tuple(steps), strict, tuple(unreadable), tuple(notes), blank)


def takes_back(text: str) -> bool:
    """Whether some line of ``text`` takes a step back ("stack red on blue is not possible, so ...")."""
    return any(_RETRACT.search(line) is not None for line in text.splitlines())


def fits(step: Step, blocks: Collection[str]) -> bool:
    """Whether every name in ``step`` is one of ``blocks`` (or the table)."""
    other = step.dest if step.__class__ is NLStep else step.target
    return step.block in blocks and (other is None or other in blocks or other == TABLE)


def _rename(step: Step, names: dict[str, str]) -> Step:
    """The step with its names matched to the problem's blocks regardless of case."""
    if step.__class__ is NLStep:
        dest = step.dest if step.dest in (None, TABLE) else names.get(step.dest.lower(), step.dest)
        return NLStep(step.verb, names.get(step.block.lower(), step.block), dest)
    target = None if step.target is None else names.get(step.target.lower(), step.target)
    return Action(step.op, names.get(step.block.lower(), step.block), target)


def _sections(text: str) -> list[str]:
    """The parts of ``text`` marked as a plan, in order: between ``[PLAN]`` and ``[PLAN END]``, or before a first
    ``[PLAN END]`` that no ``[PLAN]`` precedes, or after a last ``[PLAN]`` that nothing closes."""
    out: list[str] = []
    start: int | None = 0
    for m in _MARK.finditer(text):
        if m.group("end"):
            if start is not None:
                out.append(text[start:m.start()])
            start = None
        else:
            start = m.end()
    if start:
        out.append(text[start:])
    return out


def _tolerant(text: str, reader: _Reader, notes: list[str]) -> tuple[list[Step], list[tuple[int, str]], bool]:
    runs: list[tuple[list[Step], list[tuple[int, str]], bool]] = []  # (steps, unreadable, introduced as the outcome)
    steps: list[Step] = []
    unreadable: list[tuple[int, str]] = []
    outcome = False  # whether the run being read was introduced as the outcome
    last_n: int | None = None
    skipped = 0
    blank = True
    gap = False  # whether lines that are not steps came since the last step
    header: str | None = None  # the last header since the last step
    skip_noted = False
    under: int | None = None  # the indentation of the numbered step whose explanation may follow, indented deeper
    above: tuple = ()  # what that step read
    told: set[tuple] | None = None  # what it and the steps under it did (_gist), once needed
    cached, read_line = reader.line, reader.read_line
    # Lines end at \n or \r only: other control characters are noise inside a line, not breaks.
    for raw in (text.replace("\r", "\n") if "\r" in text else text).split("\n"):
        items = cached(raw) if len(raw) <= 120 else read_line(raw)
        if not items:
            continue
        if under is not None and (not raw[0].isspace() or len(raw) - len(raw.lstrip()) <= under):
            under = None
        if items is _CHAT_LINE:
            blank = False
            skipped += 1
            gap = True
            continue
        for item in items:
            if item.__class__ is str:
                if item is not _HEAD:
                    blank = False
                    skipped += 1
                if item is not _CHAT:
                    header = item
                gap = True
                continue
            blank = False
            n, read, part = item
            if n is None:
                if under is not None:  # indented under a numbered step: its explanation, or a step in it
                    if told is None:
                        told = {_gist(s) for s in above}
                    if read is None or all(_gist(s) in told for s in read):
                        skipped += 1  # "   - Action: unstack red from blue" restates "1. **Unstack red from blue**"
                        continue
                    told.update(_gist(s) for s in read)
                elif gap and (header is not None or last_n is not None) and (steps or unreadable):
                    runs.append((steps, unreadable, outcome))
                    steps, unreadable, last_n, skip_noted = [], [], None, False
            else:
                if (steps or unreadable) and (n <= last_n if last_n is not None else n == 1 and gap):
                    runs.append((steps, unreadable, outcome))
                    steps, unreadable, last_n, skip_noted = [], [], None, False
                under = None if read is None else len(raw) - len(raw.lstrip()) if raw[0].isspace() else 0
                above, told = read or (), None
                if last_n is not None and n != last_n + 1 and not skip_noted:
                    notes.append(f"step numbers skip from {last_n} to {n}")
                    skip_noted = True
                last_n = n
            if not steps and not unreadable:
                outcome = header is _OUT
            gap = False
            header = None
            if read is None:
                unreadable.append((len(steps), part))
            else:
                steps.extend(read)
    if steps or unreadable:
        runs.append((steps, unreadable, outcome))
    if len(runs) > 1:
        steps, unreadable = _choose(runs, notes)
    if skipped:
        notes.append(f"skipped {skipped} line{'s that are not steps' if skipped > 1 else ' that is not a step'}")
    return steps, unreadable, blank


def _gist(step: Step) -> tuple:
    """What a step does, whichever way it is written: picks up a block, or puts it on another or the table."""
    if step.__class__ is NLStep:
        return ("pick", step.block) if step.verb == "pick-up" else ("put", step.block, step.dest)
    if step.op is Op.PICK_UP or step.op is Op.UNSTACK:
        return ("pick", step.block)
    return ("put", step.block, step.target or TABLE)


def _choose(runs: list[tuple[list[Step], list[tuple[int, str]], bool]],
            notes: list[str]) -> tuple[list[Step], list[tuple[int, str]]]:
    """The plan among several runs of steps: the first, or the last run introduced as the outcome; repeats are one."""
    distinct: list[int] = []
    for i, (steps, unreadable, _) in enumerate(runs):
        for k, j in enumerate(distinct):
            other = runs[j][0]
            if (steps[:len(other)] == other if len(steps) > len(other) else other[:len(steps)] == steps) and (
                    steps or len(unreadable) == len(runs[j][1])):
                if len(steps) > len(other):
                    distinct[k] = i  # the same plan, read further
                break
        else:
            distinct.append(i)
    if len(distinct) < len(runs):
        notes.append(f"read {len(runs)} runs of steps that repeat one plan as one" if len(distinct) == 1
                     else f"ignored {len(runs) - len(distinct)} run(s) of steps that repeat an earlier one")
    chosen = distinct[0]
    for i in distinct[1:]:
        if runs[i][2] and len(runs[i][1]) <= len(runs[chosen][1]):  # introduced as the outcome, and read as fully
            chosen = i
    if len(distinct) > 1:
        notes.append(f"read run {distinct.index(chosen) + 1} of {len(distinct)} different runs of steps "
                     f"({'the last introduced as the outcome' if chosen else 'the first'})")
    return runs[chosen][0], runs[chosen][1]
