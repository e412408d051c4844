"""Which language a question is in (Vietnamese or English), and the words that carry no content."""

from __future__ import annotations

import re

from bot.text import nfc

WORD = re.compile(r"[^\W_]+", re.UNICODE)

# Function words and question words, with diacritics (matched on the lowercase NFC token).
VI_STOPWORDS = frozenset("""
là gì của và các những có được trong cho với về này đó thì mà nào như bao nhiêu sao tại ở đến từ một
khi đã sẽ đang còn cũng hay hoặc bởi vì nếu rằng nhất rất ai đâu thế nào gồm hãy cho tôi biết xin vui lòng
bạn ơi ạ nhé không chưa hả vậy nhỉ theo thuộc bằng lúc giúp mình em anh chị muốn hỏi
chào cảm cám ơn diễn ra mấy vào đều
hôm tới xuống lên nói
""".split())
# The same for questions typed without diacritics: only forms that are not also content words
# once folded (e.g. "so" could be "số", "bao" could be "báo", so they stay).
VI_FOLDED_STOPWORDS = frozenset("""
la gi cua va cac nhung duoc trong voi nay nao nhieu khi cung hoac neu rang nhat rat dau the gom hay xin
vui long oi nhe khong chua vay nhi giup muon hoi toi biet chao
hom xuong
""".split())
EN_STOPWORDS = frozenset("""
a an the is are was were be been being of in on at to for from by with about as into over under what which
who whom whose when where why how do does did done doing has have had having will would shall should can
could may might must this that these those it its it's they them their there here i me my we our you your
he she his her and or but not no nor so than too very s t just also any some all each every please tell
show give me know want wanted find get let us about what's whats is there any
hello hi hey thanks thank good morning afternoon evening bye according set sets setting make makes made
say says said take takes took one's
compare compared comparing comparison difference differences differ between versus vs
came come comes happen happened happens mentioned mention really actually basically
think thinks tell tells told simply supposed during while many besides date kind up out used m
""".split())

# Frequent Vietnamese syllables, folded: decide the language of questions typed without diacritics.
_VI_COMMON = frozenset("""
la gi cua va cac nhung co duoc trong cho voi ve nay do thi ma nao nhu bao nhieu sao tai den tu mot khi da
se dang con cung hay hoac boi vi neu rang nhat rat ai dau the chuyen doi so dich vu cong truc tuyen tinh
muc tieu chinh phu quyen nghi quyet ke hoach nam thuc hien trien khai nguoi dan doanh nghiep ho tro dat
xa huyen thanh pho hoi uy ban nhan dan chu tich kinh te xa hoi du lieu nen tang ha tang thu tuc hanh cai
cach giai phap nhiem vu dinh huong phan dau top chi tieu cap lanh dao bi thu nghe an quang ninh hoa
""".split())
# The shape of a Vietnamese syllable written without diacritics: onset, vowels, final consonant.
_SYLLABLE = re.compile(r"(ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|qu|[bcdghklmnprstvx])?[aeiouy]{1,3}(ng|nh|ch|[cmnpt])?")
# What a word shaped like a syllable counts for Vietnamese when no word list knows it; set on the
# XQuAD dev split's questions without diacritics and their English originals (docs/quality.md).
_SYLLABLE_VOTE = 0.5
_VI_LETTERS = re.compile(r"[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.IGNORECASE)


# English numbers in words, as questions write them ("after two years"), with their digits.
NUMBER_WORDS = dict(zip(
    "one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty".split(),
    "1 2 3 4 5 6 7 8 9 10 11 12 15 20 30".split(),
))


def words(text: str) -> list[str]:
    """Lowercase NFC word tokens, split the way the FTS5 unicode61 tokenizer splits."""
    return WORD.findall(nfc(text).lower())


def detect_language(text: str) -> str:
    """'vi' or 'en'. English questions often contain Vietnamese names ("Nghệ An"), so this counts
    words rather than looking for a single diacritic; ties and empty input are Vietnamese."""
    vi = en = 0
    for token in words(text):
        if token.isdigit():
            continue
        if _VI_LETTERS.search(token):
            vi += 1
        elif not _SYLLABLE.fullmatch(token):
            en += 1  # "hello", "government": no Vietnamese syllable is spelled like that
        else:
            vietnamese, english = token in _VI_COMMON, token in EN_STOPWORDS
            if vietnamese != english:  # "an", "so", "to" are both: they decide nothing
                vi += vietnamese
                en += english
            elif not english:
                # "dien", "tran", "luat": spelled as a syllable, and no function word of English.
                # Casual Vietnamese naming foreign things ("super bowl 50 dien ra o dau") needs
                # these; an English question has its function words to outvote them.
                vi += _SYLLABLE_VOTE
    return "en" if en > vi else "vi"


def is_stopword(token: str, language: str) -> bool:
    if language == "en":
        return token in EN_STOPWORDS
    return token in VI_STOPWORDS or token in VI_FOLDED_STOPWORDS
