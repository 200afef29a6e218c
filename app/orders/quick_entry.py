"""Quick entry (快速录入): the text a customer sent in a chat, turned into a draft order.

`parse_order_text(text, products)` is pure (no database, no Flask) and never
raises on any string. `products` is the catalogue the caller chooses: an iterable
of (product_id, name, aliases). The answer is an `OrderDraft`; `to_dict()` gives
its JSON shape.

Every field carries a confidence, one of three words, and a short Chinese reason
for the person checking the draft:
- "high": read from a label (收货人：…) or an unmistakable form (a mobile number,
  a region named in full, a product named exactly with its quantity written);
- "medium": a good guess worth a glance (a landline, a part of a product name, a
  name found by its shape beside the phone, a province inferred from a short name);
- "low": a weak guess or nothing found (an empty value); check it or fill it in.

The steps, each taking its text out of play for the next: labels, the phone,
the labelled remark (备注：… up to the line end), products named exactly (with
their quantities), the region and street address, the name, products named
loosely, quantities given by label. What is
left is returned as `unparsed`. Input longer than MAX_INPUT_CHARS is cut there.
"""
import re
from dataclasses import asdict, dataclass

from app import regions
from app.orders import chat_text as ct
from app.orders.product_match import Catalogue

MAX_INPUT_CHARS = 2000
MAX_PIECES = 60  # pieces of text tried as a name or a loosely written product; the rest stay unparsed
MAX_QUANTITY = 9999
HIGH, MEDIUM, LOW = "high", "medium", "low"


@dataclass(frozen=True)
class Guess:
    """One field of the draft: the value read, how sure the parser is, and why."""

    value: str
    confidence: str
    reason: str


@dataclass(frozen=True)
class DraftItem:
    """One order line: the product, its quantity, the text they were read from, and how sure each is."""

    product_id: object
    quantity: int
    matched_text: str
    confidence: str
    reason: str
    quantity_confidence: str
    quantity_reason: str


@dataclass(frozen=True)
class OrderDraft:
    """What the parser read from the text; every field is a Guess."""

    name: Guess
    phone: Guess
    province: Guess
    city: Guess
    district: Guess
    address: Guess
    remark: Guess
    adcode: str
    items: tuple
    unparsed: tuple
    truncated: bool

    def to_dict(self):
        """The draft as plain JSON-ready data."""
        return asdict(self)


NOT_FOUND = Guess("", LOW, "未识别到")


def parse_order_text(text, products):
    """Read a draft order (consignee, phone, region, address, items) from chat text; never raises.

    products is an iterable of (product_id, name, aliases), or a `Catalogue` built
    from one to reuse across many parses.
    """
    text = text if isinstance(text, str) else ""
    catalogue = products if isinstance(products, Catalogue) else Catalogue(products)
    return _Parse(text, catalogue).draft()


class _Parse:
    """One parse: the normalised text, what is taken, and the fields found so far."""

    def __init__(self, raw, catalogue):
        self.text = ct.normalize(raw, MAX_INPUT_CHARS)
        self.lowered = ct.ascii_lower(self.text)
        self.truncated = len(raw) > MAX_INPUT_CHARS
        self.catalogue = catalogue
        self.free = list(self.lowered)  # the lowered text, taken characters replaced by hard breaks
        self.segments = {}  # field kind → [(start, end)] of labelled values
        self.label_spans = []
        self.lines = []  # order lines found so far, in text order
        self.phone_span = None

    def view(self, start=0, end=None):
        """The text with every taken character replaced by a hard break."""
        return "".join(self.free[start:end])

    def take(self, start, end):
        self.free[start:end] = ct.HARD_BREAK * (end - start)

    def draft(self):
        self.read_labels()
        phone = self.read_phone()
        remark = self.read_remark()
        self.read_exact_items()
        region, address = self.read_address()
        name = self.read_name()
        self.read_loose_items()
        self.apply_labelled_quantities()
        province, city, district, adcode = region
        return OrderDraft(
            name=name, phone=phone, province=province, city=city, district=district,
            address=address, remark=remark, adcode=adcode,
            items=tuple(line.draft(self.text) for line in self.lines),
            unparsed=self.leftovers(), truncated=self.truncated)

    # Labels -------------------------------------------------------------------------

    def read_labels(self):
        """Find 收货人：/电话/地址 … labels; each labels the text up to the next label or line end."""
        found = list(ct.LABEL.finditer(self.lowered))
        for index, match in enumerate(found):
            line_end = self.text.find("\n", match.end())
            end = len(self.text) if line_end == -1 else line_end
            if index + 1 < len(found):
                end = min(end, found[index + 1].start())
            self.take(match.start(), match.end())
            self.label_spans.append(match.span())
            kind = ct.label_kind(match.group(1))
            self.segments.setdefault(kind, []).append((match.end(), end))

    def labelled(self, *kinds):
        return [span for kind in kinds for span in self.segments.get(kind, ())]

    # Phone ---------------------------------------------------------------------------

    def read_phone(self):
        view = self.view()
        matches = [match for pattern in (ct.MOBILE, ct.LANDLINE) for match in pattern.finditer(view)]
        if not matches:
            return NOT_FOUND
        labelled = self.labelled("phone")
        matches.sort(key=lambda match: (not _inside(match.start(), labelled), match.re is not ct.MOBILE,
                                        match.start()))
        chosen = matches[0]
        self.phone_span = chosen.span()
        self.take(*chosen.span())
        value = ct.phone_value(chosen)
        others = sorted({ct.phone_value(match) for match in matches[1:]} - {value})
        if chosen.re is ct.MOBILE:
            confidence, reason = HIGH, "手机号"
        else:
            confidence, reason = MEDIUM, "座机号，请核对"
        if others:
            confidence, reason = MEDIUM, f"{reason}；另有号码 {'、'.join(others)}"
        return Guess(value, confidence, reason)

    # Items ---------------------------------------------------------------------------

    def read_exact_items(self):
        for start, end, key in self.catalogue.exact_spans(self.view()):
            self.take(start, end)
            reason = f"别名「{key.text}」" if key.is_alias else "商品名完全匹配"
            self.add_line(_Line(start, end, key.product_id, HIGH, reason))

    def add_line(self, line):
        self.read_quantity(line)
        self.lines.append(line)
        self.lines.sort(key=lambda other: other.start)

    def read_quantity(self, line):
        """The quantity written just before or after the line's product name."""
        window = max(0, line.start - 8)
        before = ct.QUANTITY_BEFORE.search(self.view(window, line.start))
        if before:
            self.quantity_from(line, before, window + before.start(), line.start)
            return
        after = ct.QUANTITY_AFTER.match(self.view(line.end, min(len(self.text), line.end + 12)))
        if after and after.group(0).strip():
            self.quantity_from(line, after, line.end, line.end + after.end())

    def quantity_from(self, line, match, start, end):
        quantity, written_with_unit = ct.quantity_of(match)
        if not quantity or quantity > MAX_QUANTITY:
            line.quantity_reason = f"数量「{match.group(0).strip()}」无法识别，按 1"
            return
        self.take(start, end)
        if written_with_unit:
            line.set_quantity(quantity, HIGH, "写明了数量")
        else:
            line.set_quantity(quantity, MEDIUM, "商品名后的数字，当作数量")

    def read_loose_items(self):
        view = self.view()
        labelled_quantities = self.labelled("quantity")
        for start, end in ct.chunks(view)[:MAX_PIECES]:
            fragment = view[start:end]
            if _inside(start, labelled_quantities) or self.attach_bare_quantity(start, end, fragment):
                continue
            head_length, found = self.product_head(fragment)
            if not found:
                continue
            name_end = start + head_length
            self.take(start, name_end)
            previous = self.line_before(start)
            if previous and previous.end == start and previous.product_id == found.key.product_id:
                previous.end = name_end
                if not previous.quantity_written:
                    self.read_quantity(previous)
                continue
            confidence = MEDIUM if found.strength >= 2 and not found.rivals else LOW
            reason = f"「{self.text[start:name_end]}」{found.reason}：{found.key.name}"
            if found.rivals:
                reason += f"；也可能是 {'、'.join(found.rivals)}"
            self.add_line(_Line(start, name_end, found.key.product_id, confidence, reason))

    def attach_bare_quantity(self, start, end, fragment):
        """A piece that is only a quantity ("x2", "3瓶") right after an item without one belongs to it."""
        match = ct.QUANTITY_ONLY.match(fragment)
        previous = self.line_before(start)
        if not match or not previous or previous.quantity_written or "\n" in self.text[previous.end:start]:
            return False
        quantity = ct.chinese_number(match.group("times") or match.group("counted"))
        if not quantity or quantity > MAX_QUANTITY:
            return False
        self.take(start, end)
        previous.set_quantity(quantity, MEDIUM, "商品后面单独写的数量")
        return True

    def line_before(self, position):
        earlier = [line for line in self.lines if line.start < position]
        return earlier[-1] if earlier else None

    def apply_labelled_quantities(self):
        """数量：2 sets the quantity of the nearest item before it (else the first) that has none written."""
        for start, end in self.labelled("quantity"):
            match = ct.QUANTITY_ONLY.match(self.view(start, end).strip())
            quantity = ct.chinese_number(match.group("times") or match.group("counted")) if match else None
            target = self.line_before(start) or (self.lines[0] if self.lines else None)
            if quantity and quantity <= MAX_QUANTITY and target and not target.quantity_written:
                self.take(start, end)
                target.set_quantity(quantity, HIGH, "标注了数量")

    # Region and address --------------------------------------------------------------

    def read_address(self):
        """The region, then the street address that follows it."""
        segments = self.labelled("region", "address")
        view = self.view()
        if segments:
            inside = [False] * len(view)
            for start, end in segments:
                inside[start:end] = [True] * (end - start)
            view = "".join(char if inside[i] else ct.HARD_BREAK for i, char in enumerate(view))
        match = regions.find_region(view)
        if not match:
            return (NOT_FOUND,) * 3 + ("",), self.read_address_without_region(view)
        self.take(match.start, match.end)
        if segments:
            detail_spans = [(max(start, match.end), end) for start, end in segments if end > match.end]
        else:
            detail_spans = [self.street_span(match.end)]
        detail = " ".join(self.text[start + a:start + b] for start, end in detail_spans
                          for a, b in ct.chunks(self.view(start, end)))
        for start, end in detail_spans:
            self.take(start, end)
        street = _street_guess(detail)
        if street.confidence == HIGH and self.mentions_item(detail):
            street = Guess(detail, MEDIUM, "详细地址里像是写了商品或数量，请核对")
        return _region_guesses(match), street

    def street_span(self, start):
        """Where the street address after a region ends: at a line end, or before a piece that is no address."""
        view = self.view()
        end = start
        for chunk_start, chunk_end in ct.chunks(view, start):
            gap, piece = view[end:chunk_start], view[chunk_start:chunk_end]
            if ct.HARD_BREAK in gap or ";" in gap or self.names_item(piece):
                break
            if chunk_start > start and gap and not ct.looks_like_address(piece):
                break
            end = chunk_end
        return start, end - self.trailing_item_length(view[start:end])

    def names_item(self, piece):
        """True when a piece of text is a quantity, or loosely names a product (a quantity may follow it)."""
        tail = ct.QUANTITY_TAIL.search(piece)
        if tail and tail.start() == 0:  # "x2", "3瓶": a bare number may be a room number, so it needs x or a unit
            return True
        _, found = self.product_head(piece)
        return bool(found) and found.strength >= 2

    def product_head(self, piece):
        """(length of the product name, its loose match) when a piece names a product with or without a quantity
        after it ("面霜x2", "面霜 两盒", "精华1"), else (0, None)."""
        tails = [tail.start() for tail in (ct.QUANTITY_TAIL.search(piece), ct.BARE_COUNT_TAIL.search(piece)) if tail]
        for head in [piece[:end] for end in tails if end] + [piece]:
            found = self.catalogue.loose_match(head)
            if found:
                return len(head), found
        return 0, None

    def mentions_item(self, address):
        """True when a street address still holds something written like a quantity or a product name."""
        lowered = ct.ascii_lower(address)
        if ct.QUANTITY_MARK.search(lowered):
            return True
        pieces = re.split(rf"[\s,;]+|(?<=[{ct.STREET_ENDINGS}])", lowered)
        return any(self.product_head(piece)[1] for piece in pieces if len(piece) >= 2)

    def trailing_item_length(self, street):
        """The length of a product written right after the house number ("1号眼霜x2"), else 0."""
        cut = max(street.rfind(char) for char in ct.STREET_ENDINGS) + 1
        return len(street) - cut if 0 < cut < len(street) and self.names_item(street[cut:]) else 0

    def read_address_without_region(self, view):
        for start, end in ct.chunks(view):
            piece = view[start:end]
            if ct.looks_like_address(piece) and any(char.isdigit() for char in piece) and len(piece) >= 4:
                self.take(start, end)
                return Guess(self.text[start:end], LOW, "未识别到省市区，请补全")
        return NOT_FOUND

    # Name and remark -----------------------------------------------------------------

    def read_name(self):
        labelled = self.labelled("name")
        for start, end in labelled:
            pieces = ct.chunks(self.view(start, end))
            if pieces:
                first_start, first_end = pieces[0]
                self.take(start + first_start, start + first_end)
                return Guess(ct.strip_receiver(self.text[start + first_start:start + first_end]), HIGH, "标注为收货人")
        candidates = [(self.name_score(start, end), -start, start, end)
                      for start, end in ct.chunks(self.view())[:MAX_PIECES]
                      if ct.is_name_shaped(ct.strip_receiver(self.text[start:end]))]
        candidates = [candidate for candidate in candidates if candidate[0][0] > 0]
        if not candidates:
            return NOT_FOUND
        (score, reason), _, start, end = max(candidates)
        self.take(start, end)
        confidence = HIGH if score >= 4 else MEDIUM if score >= 2 else LOW
        return Guess(ct.strip_receiver(self.text[start:end]), confidence, reason)

    def name_score(self, start, end):
        """How much a name-shaped piece looks like the consignee: a surname, and standing by the phone."""
        piece = ct.strip_receiver(self.text[start:end])
        found = self.catalogue.loose_match(self.lowered[start:end])
        by_phone = self.phone_span is not None and (
            end <= self.phone_span[0] and self.only_separators_between(end, self.phone_span[0])
            or start >= self.phone_span[1] and self.only_separators_between(self.phone_span[1], start))
        surname = ct.surname_of(piece)
        if found and found.strength >= 2 and not (surname and by_phone):
            return 0, ""
        score = 2 * bool(surname) + 2 * by_phone + (not ct.looks_like_address(piece))
        reasons = [text for text, present in (("常见姓氏", surname), ("紧挨电话", by_phone)) if present]
        return score, "像人名：" + "、".join(reasons) if reasons else "像人名，请核对"

    def only_separators_between(self, start, end):
        """True when only separators and labels (电话：) stand between start and end."""
        return all(self.text[i] in ct.SEPARATORS or _inside(i, self.label_spans) for i in range(start, end))

    def read_remark(self):
        pieces = []
        for start, end in self.labelled("remark"):
            view = self.view(start, end)
            pieces += [self.text[start + a:start + b] for a, b in ct.chunks(view)]
            self.take(start, end)
        return Guess(" ".join(pieces), HIGH, "标注为备注") if pieces else Guess("", LOW, "无备注")

    def leftovers(self):
        view = self.view()
        return tuple(self.text[start:end] for start, end in ct.chunks(view)
                     if any(char.isalnum() for char in view[start:end]))


@dataclass
class _Line:
    """An order line while the parse is under way."""

    start: int
    end: int
    product_id: object
    confidence: str
    reason: str
    quantity: int = 1
    quantity_confidence: str = LOW
    quantity_reason: str = "未写数量，按 1"
    quantity_written: bool = False

    def set_quantity(self, quantity, confidence, reason):
        self.quantity, self.quantity_confidence, self.quantity_reason = quantity, confidence, reason
        self.quantity_written = True

    def draft(self, text):
        return DraftItem(self.product_id, self.quantity, text[self.start:self.end], self.confidence, self.reason,
                         self.quantity_confidence, self.quantity_reason)


def _inside(position, spans):
    return any(start <= position < end for start, end in spans)


def _region_guesses(match):
    """Province, city and district guesses from a region match, and its adcode."""
    region, named = match.region, set(match.parts)
    if match.alternatives:
        places = "、".join(other.city or other.province for other in match.alternatives)
        reason = f"「{region.name}」也在{places}，按常见城市取{region.city or region.province}，请核对"
        guesses = [Guess(value, LOW, reason) for value in (region.province, region.city, region.district)]
        return (*guesses, region.adcode)
    guesses = []
    for value, level in ((region.province, 1), (region.city, 2), (region.district, 3)):
        if not value and not _subdivisions(region, level):
            guesses.append(Guess("", HIGH, f"{region.name}下不设{_LEVEL_WORDS[level]}"))
        elif not value:
            guesses.append(Guess("", LOW, f"未写{_LEVEL_WORDS[level]}"))
        elif _written(value, named):
            guesses.append(Guess(value, HIGH, "地址中写明"))
        elif match.full_names or len(match.parts) > 1:
            guesses.append(Guess(value, HIGH, f"由「{''.join(match.parts)}」推断"))
        else:
            guesses.append(Guess(value, MEDIUM, f"由简称「{match.parts[-1]}」推断，请核对"))
    return (*guesses, region.adcode)


_LEVEL_WORDS = {2: "城市", 3: "区县"}


def _subdivisions(region, level):
    """The names one level down that the region's parent at that level has (none for 仙桃市, 香港)."""
    return regions.cities(region.province) if level == 2 else regions.districts(region.province, region.city)


def _written(value, named):
    return value in named or any(value.startswith(part) for part in named if len(part) >= 2)


def _street_guess(detail):
    if not detail:
        return Guess("", LOW, "未写详细地址")
    if ct.looks_like_address(detail):
        return Guess(detail, HIGH, "省市区之后的详细地址")
    return Guess(detail, MEDIUM, "详细地址没有门牌号，请核对")
