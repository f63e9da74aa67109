"""Reading one line of model output: its step (or steps), a header, or chatter; never raising.

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

"""

from __future__ import annotations

import functools
import re

from ..world.state import TABLE, Action, Op
from ..world.text import NLStep
from ..world.vocab import Vocabulary

Step = Action | NLStep

END = re.compile(r"</s>|<\|(?:eot_id|im_end|endoftext|end_of_text|end)\|>|<end_of_turn>|<eos>")
MARK = re.compile(r"\[\s*(?:query[\s_]*)?plan(?P<end>[\s_]*end)?\s*\]", re.I)
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
RETRACT = re.compile(
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


def _object_names(vocab: Vocabulary) -> tuple[dict[str, str], dict[str, set[str]]]:
    """A vocabulary's object words, each → its PDDL name (lower-cased, single-spaced), and the names of several
    words (not counting "block") as first words → last words."""
    names: dict[str, str] = {}
    phrases: dict[str, set[str]] = {}
    for obj, words in vocab.objects.items():
        names[" ".join(obj.lower().replace("_", " ").split())] = obj
        short = re.sub(r"(?i)\s+block$", "", words.strip()).lower().split()
        for form in (" ".join(words.lower().split()), " ".join(short)):
            if form:
                names.setdefault(form, obj)
        if len(short) > 1:
            phrases.setdefault(r"[\s_]+".join(map(re.escape, short[:-1])), set()).add(re.escape(short[-1]))
    return names, phrases


def _own_verbs(vocab: Vocabulary) -> list[tuple[Op, list[str], str]]:
    """The vocabulary's verbs for each operator (its action name, and its template's leading words) and the
    preposition its template puts between two blocks."""
    own = []
    for op in Op:
        verbs = [vocab.actions.get(op, "")]
        pieces = vocab.action_words.get(op, "").split("{}")
        preps = ""
        if len(pieces) > 1:
            verbs.append(re.sub(r"(?i)\s+the$", "", pieces[0].strip()))
            if len(pieces) > 2:
                words = re.sub(r"(?i)^the\s+|\s+the$", "", pieces[1].strip())
                preps = r"\s+".join(map(re.escape, words.split()))
        verbs = [v for v in dict.fromkeys(v for v in verbs if v.strip())]
        if verbs:
            own.append((op, verbs, preps))
    return own


def _forms(name: str, own: list[tuple[Op, list[str], str]], all_verbs: str) -> list[tuple[str, Op | None, str]]:
    """The ways a step is worded, as (kind, operator or None, pattern), the vocabulary's own first."""
    free = rf"(?!{_PREPS}\b){name}"  # a name that is not a preposition
    block = rf"(?:the\s+)?(?:clear\s+)?{_Q}(?P<b>{name}){_QE}(?:\s+block)?"
    before = r"(?:the\s+)?(?:top\s+of\s+(?:the\s+)?)?(?:clear\s+|another\s+)?"
    dest = rf"{before}{_Q}(?P<d>{name}){_QE}(?:\s+block)?"
    other = rf"{before}{_Q}(?P<d>(?!(?:table|block)\b){name}){_QE}(?:\s+block)?"  # another block, not the table
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
    return forms + [
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


def _bare(body: str) -> str:
    """A step's text without markdown, LaTeX and a lead-in word: ``**Then, stack** `a` on _b_`` → ``stack a on b``."""
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
    return body[lead.end():] if lead is not None else body


class LineReader:
    """How lines are read with one vocabulary (or none): its compiled patterns and its cache of read lines."""

    def __init__(self, vocab: Vocabulary | None = None) -> None:
        names, phrases = _object_names(vocab) if vocab is not None else ({}, {})
        own = _own_verbs(vocab) if vocab is not None else []
        self.names = names  # a name's words, lower-cased and single-spaced → the PDDL name
        self.ops = dict(_PDDL_OPS) | {_norm_verb(v): op for op, verbs, _ in own for v in verbs}
        name = _NAME
        if phrases:  # "object a" ... "object l" as object[\s_]+(?:a|...|l), tried before a name of one word
            name = "(?:" + "|".join(rf"{first}[\s_]+{_one_of(last)}\b" for first, last in sorted(phrases.items()))
            name += f"|{_NAME})"
        all_verbs = "|".join([_ENGLISH] + [_verb_pattern(v) for _, vs, _ in own for v in vs])
        arg = rf"[<\"'`]?(?:{name}|[^\s(),]+)[>\"'`]?"
        self.pddl = re.compile(
            rf"\(\s*(?P<op>{all_verbs})\s+(?P<b>{arg})(?:\s+(?:(?:from|on|onto)\s+)?(?P<d>{arg}))?\s*\)", re.I)
        one = re.sub(r"\(\?P<\w+>", "(?:", self.pddl.pattern)
        self.pddl_line = re.compile(rf"{one}(?:\s*[,;]?\s*{one})*", re.I)
        forms = _forms(name, own, all_verbs)
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
                return CHAT_LINE
            return (OUT,) if _OUTCOME_WORD.search(line) else (BREAK,)
        items: list = []
        header = _HEADER.fullmatch(line) if _HEADER_WORD.search(low) else None
        if header is not None:
            items.append(OUT if _OUTCOME_WORD.search(line, 0, header.start("rest")) else HEAD)
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
            items.append(self._read_part(part, raw, line))
        return CHAT_LINE if len(items) == 1 and items[0] is CHAT else tuple(items)

    def _read_part(self, part: str, raw: str, line: str):
        """One step of a line (most lines hold one): ``(number, steps or None, text)``, or chatter, or a header."""
        marker = _MARKER.match(part)
        number = marker.group("n") or marker.group("m")
        body = _bare(part[marker.end():])
        if self.starts.match(body) is None and marker.group("sep") is None:
            if not raw[:1].isspace() and _SOFT.fullmatch(line) is not None:
                return OUT if _OUTCOME_WORD.search(line) else BREAK
            return CHAT
        retract = RETRACT.search(body)
        if retract is not None and "(" not in body[:retract.start()] and \
                self.read_step(body[:retract.start()]) is not None:  # not a remark: "(this is not needed ...)"
            # The step is taken back; what the model does instead (after "so"), if anything, is the step.
            then = _RETRACT_THEN.search(retract.group("why"))
            instead = _AND_THEN.sub("", then.group("then")) if then is not None else ""
            read = self.read_step(instead) if instead else None
            if read is None:
                return CHAT
        else:
            read = self.read_step(body)
        return (None if number is None else int(number), None if read is None else tuple(read), part[:200])

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


# What one line holds, as a tuple of items: (HEAD,) for a plan header, (OUT,) for a header that introduces
# the outcome ("Final plan:"), (BREAK,) for another header, (CHAT,) for chatter, (number or None, steps or None,
# text) for a step line (steps None: unreadable).
HEAD, OUT, BREAK, CHAT = "head", "outcome", "break", "chat"
CHAT_LINE = (CHAT,)

_PLAIN = LineReader()
_READERS: dict[int, tuple[Vocabulary, LineReader]] = {}


def reader(vocab: Vocabulary | None) -> LineReader:
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
    reader = LineReader(vocab)
    _READERS[id(vocab)] = (vocab, reader)
    return reader
