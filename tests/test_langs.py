"""Every language: detection, per-language analysis, sentences in every script, a mixed folder."""

from __future__ import annotations

import json
import random
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from sentences import split

from qa import tokens
from qa.analyzers import analyze_question, analyzer, snowball, unspaced_forms
from qa.build import build_index
from qa.chunking import SentenceSplitter
from qa.corpus import discover
from qa.encode import _token_terms, _token_terms_slow
from qa.formats import Block
from qa.lang import detect, document_language, language_code, question_language
from qa.render import highlights
from qa.search import search

# A small corpus in three languages: the same facts, told in each.
MIXED = {
    "lighthouse.txt": (
        "The lighthouse keeper lit the lamp every evening at dusk. "
        "Ships from the northern harbour passed the rocks safely because of the light. "
        "The tower was built of granite in 1871 by the engineer Thomas Stevenson.\n"
    ),
    "leuchtturm.txt": (
        "Der Leuchtturmwärter zündete jeden Abend in der Dämmerung die Lampe an. "
        "Die Schiffe aus dem nördlichen Hafen fuhren dank des Lichts sicher an den Felsen vorbei. "
        "Der Turm wurde 1871 von dem Ingenieur Thomas Stevenson aus Granit gebaut.\n"
    ),
    "dengta.txt": (
        "灯塔看守人每天傍晚点亮灯。北方港口的船只因为灯光而安全地绕过礁石。"
        "这座塔由工程师托马斯·史蒂文森于1871年用花岗岩建造。\n"
    ),
}


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mixed")
    for name, text in MIXED.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(("question", "file", "lang"), [
    ("Who built the tower of granite?", "lighthouse.txt", "en"),
    ("Wer hat den Turm aus Granit gebaut?", "leuchtturm.txt", "de"),
    ("这座塔是谁用花岗岩建造的？", "dengta.txt", "zh"),
    ("Why did the ships pass the rocks safely?", "lighthouse.txt", "en"),
    ("Warum fuhren die Schiffe sicher an den Felsen vorbei?", "leuchtturm.txt", "de"),
    ("船只为什么能安全地绕过礁石？", "dengta.txt", "zh"),
])
def test_a_mixed_folder_answers_each_language_from_its_own_files(mixed: Path, question: str, file: str,
                                                                  lang: str) -> None:
    files, _ = discover([str(mixed)])
    index = build_index(files)
    assert index.langs == ("de", "en", "zh")
    best = search(index, question, k=1).hits[0]
    assert Path(best.path).name == file
    assert best.lang == lang
    assert best.text in MIXED[file]


def test_a_german_question_meets_english_sentences_by_shared_names(mixed: Path) -> None:
    files, _ = discover([str(mixed)])
    index = build_index(files)
    # Only the names and the year are shared: German's own stopwords (wer, war) are not searched in English.
    terms = [t for t, _, _ in analyze_question("Wer war Thomas Stevenson?", index.langs)[0]]
    assert "thoma" in terms and "stevenson" in terms  # English analysis of the names
    assert "war" not in terms
    hits = search(index, "Wer war Thomas Stevenson?", k=3).hits
    assert {Path(h.path).name for h in hits} >= {"leuchtturm.txt", "lighthouse.txt"}


def test_an_english_folder_keeps_todays_terms(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(MIXED["lighthouse.txt"], encoding="utf-8")
    index = build_index(discover([str(tmp_path)])[0])
    assert index.langs == ("en",)
    assert set(index.terms()) == set(tokens.terms_in_order(MIXED["lighthouse.txt"], stops=True))
    question = "Who built the tower of granite in 1871?"
    assert analyze_question(question, index.langs) == tokens.analyze_question(question)


@pytest.mark.parametrize(("text", "lang"), [
    ("The keeper of the lighthouse lit the lamp, and the ships passed by in the night.", "en"),
    ("Der Wärter zündete die Lampe an, und die Schiffe fuhren in der Nacht an dem Turm vorbei.", "de"),
    ("El guardián encendió la lámpara y los barcos pasaron por la noche junto a la torre.", "es"),
    ("Le gardien a allumé la lampe et les navires sont passés dans la nuit près de la tour.", "fr"),
    ("Смотритель зажёг лампу, и корабли прошли мимо башни ночью, как и всегда.", "ru"),
    ("Ο φύλακας άναψε τη λάμπα και τα πλοία πέρασαν τη νύχτα από τον πύργο.", "el"),
    ("أضاء الحارس المصباح ومرت السفن في الليل بجانب البرج الذي بني من الجرانيت.", "ar"),
    ("चौकीदार ने दीपक जलाया और जहाज़ रात में मीनार के पास से गुज़रे।", "hi"),
    ("Bekçi lambayı yaktı ve gemiler gece kulenin yanından geçti, çünkü bu bir gelenekti.", "tr"),
    ("Người gác đèn đã thắp đèn và những con tàu đi qua tháp trong đêm.", "vi"),
    ("Paznicul a aprins lampa și navele au trecut noaptea pe lângă turn, ca de obicei.", "ro"),
    ("灯塔看守人每天傍晚点亮灯。", "zh"),
    ("灯台守は毎晩ランプをともした。", "ja"),
    ("등대지기는 매일 저녁 등불을 켰다.", "ko"),
    ("ผู้ดูแลประภาคารจุดตะเกียงทุกเย็น", "th"),
    ("12345 67890", "en"),
])
def test_detection_reads_the_script_then_the_common_words(text: str, lang: str) -> None:
    assert detect(text) == lang


def test_a_declared_language_wins_unless_the_script_says_otherwise() -> None:
    german = MIXED["leuchtturm.txt"]
    assert document_language(german, "de-DE") == "de"
    assert document_language(german, "nl") == "nl"  # the author said so, and Dutch is written in Latin too
    assert document_language(MIXED["dengta.txt"], "en") == "zh"  # boilerplate lang="en" on Chinese text
    assert document_language(german, "xx-unknown") == "de"  # not a language qa knows: detected
    assert document_language(german, "en", forced="es") == "es"  # --lang
    assert language_code("zh_Hans") == "zh" and language_code("deu") == "de" and language_code("??") is None


def test_question_language_is_told_by_script_then_stopwords() -> None:
    assert question_language("这座塔是谁建造的", ("de", "en", "zh")) == "zh"
    assert question_language("Wer hat den Turm gebaut?", ("de", "en", "zh")) == "de"
    assert question_language("Who built the tower?", ("de", "en", "zh")) == "en"
    assert question_language("Stevenson", ("de", "en")) is None


def test_combining_marks_stay_inside_words() -> None:
    hindi = analyzer("hi")
    assert hindi.raw_words("पैंथर्स ने खेल जीता") == ["पैंथर्स", "ने", "खेल", "जीता"]
    arabic = analyzer("ar")
    assert arabic.raw_words("محمّد رسول") == ["محمّد", "رسول"]  # shadda inside the word
    assert arabic.tokenize("مُحَمَّد") == arabic.tokenize("محمد")  # diacritics dropped
    # Alef maksura is written for yeh (and the hamza forms of alef for alef): one word either way,
    # and a stopword in either spelling.
    assert arabic.tokenize("مستشفى") == arabic.tokenize("مستشفي")
    assert arabic.tokenize("أحمد") == arabic.tokenize("احمد")
    assert arabic.is_stopword("على") and arabic.is_stopword("علي") and arabic.is_stopword("إلى")
    assert arabic.tokenize("ذهب إلى المدرسة") == arabic.tokenize("ذهب الى المدرسة") == arabic.tokenize("ذهب المدرسة")
    greek = analyzer("el")
    assert greek.tokenize("ΑΝΘΡΩΠΩΝ") == greek.tokenize("ανθρώπων") == greek.tokenize("ανθρωπων")


def test_stopwords_become_tagged_stop_terms_and_words_are_stemmed_and_tagged() -> None:
    german = analyzer("de")
    assert german.tokenize("Die Häuser der Stadt") == ["de:haus", "de:stadt"]
    assert german.terms_in_order("Die Häuser", stops=True) == ["'de:die", "de:haus"]
    assert german.tokenize("1871 x := y") == ["1871", "de:x", ":=", "de:y"]  # numbers, operators: untagged
    assert analyzer("tr").tokenize("Ankara'da") == analyzer("tr").tokenize("Ankara")
    assert analyzer("fr").tokenize("l'homme") == analyzer("fr").tokenize("homme")
    assert analyzer("tr").tokenize("IRMAK") == analyzer("tr").tokenize("ırmak")  # Turkish dotless i


def test_stemming_equals_the_pure_python_snowball_stemmer() -> None:
    """PyStemmer (C) against snowballstemmer's own pure-Python classes: the same Snowball algorithms."""
    import importlib

    words = {"german": ["häuser", "verschiedenen", "gemacht", "läuft", "regierungen"],
             "russian": ["звёзды", "городами", "сказала", "университета"],
             "spanish": ["canciones", "corriendo", "nacionalidad"],
             "arabic": ["المدرسة", "والكتاب", "يكتبون"], "turkish": ["kitapları", "evlerimizden"]}
    for name, sample in words.items():
        module = importlib.import_module(f"snowballstemmer.{name}_stemmer")
        pure = getattr(module, f"{name.capitalize()}Stemmer")()
        stem = snowball(name)
        assert stem is not None
        assert [stem(w) for w in sample] == [pure.stemWord(w) for w in sample], name


def test_cjk_is_characters_and_pairs_thai_pairs_only() -> None:
    assert unspaced_forms("北京大学") == ["北", "北京", "京", "京大", "大", "大学", "学"]
    assert unspaced_forms("ภาษา") == ["ภา", "าษ", "ษา"]
    chinese = analyzer("zh")
    assert chinese.tokenize("NFL的比赛") == ["zh:nfl", "的", "的比", "比", "比赛", "赛"]
    assert [(t, s, e) for t, s, e in chinese.analyze("看比赛") if len(t) == 2] == [("看比", 0, 2), ("比赛", 1, 3)]
    # Highlighting merges the pairs into the span of the matched word.
    assert highlights("我们看比赛吧", {"比赛", "比", "赛"}, "zh") == [(3, 5)]


def test_fast_tokenising_equals_each_text_alone_in_every_language() -> None:
    rng = random.Random(11)
    words = ["Häuser", "der", "北京大学", "ภาษาไทย", "पैंथर्स", "x:=y", "L'homme", "Ankara'da", "1871", "die",
             "readFile", "محمّد", "ανθρώπων", "U.S."]
    for lang in ("de", "zh", "th", "hi", "fr", "tr", "ar", "el"):
        a = analyzer(lang)
        for _ in range(40):
            texts = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 6))) for _ in range(rng.randint(1, 4))]
            fast, slow = _token_terms(texts, a), _token_terms_slow(texts, a)
            assert fast[0] == slow[0] and fast[1] == slow[1]
            assert fast[2].tolist() == slow[2].tolist() and fast[3].tolist() == slow[3].tolist()


def _sentences(text: str) -> list[str]:
    chunks = split(text, [Block(0, len(text))], SentenceSplitter())
    assert all(text[c.start : c.end] == c.text for c in chunks)  # exact offsets
    return [c.text for c in chunks]


def test_sentences_end_at_the_full_stops_of_every_script() -> None:
    assert _sentences("北京是首都。上海很大！你知道吗？Dr. Smith went home. Then he slept.") == [
        "北京是首都。", "上海很大！", "你知道吗？", "Dr. Smith went home.", "Then he slept."]
    assert _sentences("भारत एक देश है। इसकी राजधानी दिल्ली है॥ क्या यह सच है?") == [
        "भारत एक देश है।", "इसकी राजधानी दिल्ली है॥", "क्या यह सच है?"]
    assert _sentences("「你好。」他说。") == ["「你好。」", "他说。"]


def test_text_with_no_punctuation_and_no_spaces_is_still_capped() -> None:
    text = "汉" * 2500
    chunks = _sentences(text)
    assert [len(c) for c in chunks] == [1000, 1000, 500]
    commas = ("字" * 700 + "，") * 3
    assert [len(c) for c in _sentences(commas)] == [701, 701, 701]  # cut after a comma when there is one


def test_front_matter_and_html_declare_the_language(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("---\ntitle: Notiz\nlang: nl\n---\n\nDer Turm ist aus Granit.\n",
                                       encoding="utf-8")
    (tmp_path / "page.html").write_text('<html lang="es-ES"><body><p>Der Turm ist alt.</p></body></html>',
                                        encoding="utf-8")
    index = build_index(discover([str(tmp_path)])[0])
    assert {Path(d.path).name: d.lang for d in index.docs} == {"notes.md": "nl", "page.html": "es"}


def test_json_carries_the_language_and_lang_forces_one(
        run_qa: Callable[..., subprocess.CompletedProcess[str]], mixed: Path) -> None:
    result = run_qa("ask", "--docs", str(mixed), "--format", "json", "-k", "1", "花岗岩")
    assert json.loads(result.stdout)["results"][0]["lang"] == "zh"
    forced = run_qa("ask", "--docs", str(mixed), "--lang", "de", "--format", "json", "Turm Granit")
    assert {r["lang"] for r in json.loads(forced.stdout)["results"]} == {"de"}
    bad = run_qa("ask", "--docs", str(mixed), "--lang", "klingon", "tower")
    assert bad.returncode == 2 and "unknown language" in bad.stderr


def test_ascii_text_has_the_same_words_with_the_cheap_pattern() -> None:
    # The word pattern with every combining mark costs 50 ms to compile; ASCII text is read with a
    # smaller one that must find exactly the same words.
    from qa.analyzers import _ASCII_WORD, word_pattern
    rng = random.Random(7)
    alphabet = "abcXYZ019 _'`.-:=<>*/+!?@#()[]{}\n\t,;\"\\|&%^~$"
    samples = ["U.S.A. don't x:=1 a->b __init__ l'homme rock'n'roll e.g. 3.14 i++ a**b `tick`"]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 60))) for _ in range(3000)]
    for text in samples:
        full = [(m.start(), m.end()) for m in word_pattern().finditer(text)]
        assert [(m.start(), m.end()) for m in _ASCII_WORD.finditer(text)] == full, text


def test_word_patterns_written_for_speed_find_the_words_of_their_plain_forms() -> None:
    # The word patterns are written for the regex engine's speed (an acronym as "x.(?:x.)+", operators
    # behind a look-ahead of their first characters, ASCII classes on ASCII text); the plain forms
    # below say what a word is, and every pattern must find exactly their words.
    import re

    from qa import analyzers, tokens
    ops = "|".join(re.escape(op) for op in tokens.OPERATORS)
    plain = re.compile(rf"(?:[^\W\d_]\.){{2,}}|[^\W_]+(?:['\u2019\u02bc`][^\W_]+)*|{ops}")
    letter = f"[^\\W_{analyzers.UNSPACED}]"
    body = f"{letter}(?:{letter}+|[{analyzers._marks()}]+)*"
    plain_any = re.compile(rf"(?:[^\W\d_]\.){{2,}}|[{analyzers.UNSPACED}]+|{body}(?:['\u2019\u02bc`]{body})*|{ops}")
    rng = random.Random(11)
    alphabet = "aZ9 .'\u2019\u02bc`_-%!=<>+*/&|:?@^~\u0301\u00e9\u00df\u4e2d\u0e01\u0915\u093f\u0645\n"
    samples = ["U.S.A. isn't x += 1; a != b && c >= d; y **= 2 <- f(x) %in% z; a->b J.R.R. don\u2019t 3.14 "
               "e.g. a. b. l\u2019homme caf\u0065\u0301 \u4e2d\u6587\u5b57 \u0915\u093f\u0924\u093e\u092c"]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 50))) for _ in range(4000)]
    for text in samples:
        expected = [(m.start(), m.end()) for m in plain.finditer(text)]
        assert [(m.start(), m.end()) for m in tokens._WORD.finditer(text)] == expected, text
        assert tokens._words_in(text) == plain.findall(text), text
        expected_any = [(m.start(), m.end()) for m in plain_any.finditer(text)]
        assert [(m.start(), m.end()) for m in analyzers.word_pattern().finditer(text)] == expected_any, text
        if text.isascii():
            assert [(m.start(), m.end()) for m in tokens._ASCII_WORD.finditer(text)] == expected, text
            assert [(m.start(), m.end()) for m in analyzers._ASCII_WORD.finditer(text)] == expected_any, text


def test_an_english_question_is_answered_from_english_pages_not_translations_quoting_its_words(
        tmp_path: Path) -> None:
    # Translated documentation quotes English words (directive names, options). Analysed as German,
    # the question's English words are rare German terms: they must not pull the translation above
    # the English page that answers. Names and code are still searched in every language.
    english = {f"en{n}.txt": f"Chapter {n} explains how to enable module {n} and which engine rewrites "
                             f"the request for module {n}.\n" for n in range(6)}
    english["en_answer.txt"] = "To enable the rewrite engine, set RewriteEngine to on in the server configuration.\n"
    german = {f"de{n}.txt": f"Das Kapitel {n} ist eine Einführung in die Konfiguration des Servers und der "
                            f"Module, die mit dem Server geliefert werden.\n" for n in range(6)}
    german["de_quote.txt"] = ("Die Option enable rewrite engine ist in der Konfiguration des Servers, und sie "
                              "wird mit RewriteEngine gesetzt.\n")
    for name, text in {**english, **german}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    index = build_index(discover([str(tmp_path)])[0])
    assert index.langs == ("de", "en")
    best = search(index, "how do i enable the rewrite engine", k=1).hits[0]
    assert Path(best.path).name == "en_answer.txt"
    terms = [t for t, _, _ in analyze_question("how do i enable RewriteEngine", index.langs)[0]]
    assert "enabl" in terms and "de:enabl" not in terms  # a word of the question's own language
    assert any(t.startswith("de:rewrite") for t in terms)  # a name: searched in German too


def test_a_heading_shared_by_pages_in_two_languages_counts_only_in_each_ones_language(tmp_path: Path) -> None:
    # "mod_rewrite" heads an English page and its German translation: one heading, whose terms are
    # stored in both languages. A German sentence must not match the English terms through it.
    from qa.index import in_language, term_language
    assert term_language("de:haus") == "de" and term_language("'de:die") == "de"
    assert term_language("house") == "en" and term_language("'the") == "en"
    assert term_language("1871") is None and term_language("这座") is None and term_language(":=") is None
    assert in_language(frozenset({"de:haus", "house", "1871"}), "de") == {"de:haus", "1871"}
    (tmp_path / "en.html").write_text(
        "<html><body><h1>mod_rewrite</h1><p>The module rewrites the requested address with rules.</p>"
        "<p>Each rule is tried in order until one matches the request.</p></body></html>", encoding="utf-8")
    (tmp_path / "de.html").write_text(
        "<html lang=\"de\"><body><h1>mod_rewrite</h1><p>Das Modul schreibt die angefragte Adresse mit "
        "Regeln um, und es ist sehr mächtig.</p></body></html>", encoding="utf-8")
    index = build_index(discover([str(tmp_path)])[0])
    assert index.langs == ("de", "en")
    for hit in search(index, "what does mod_rewrite do", k=3, context=0).hits:
        held = index.heading_terms(hit.chunk)
        assert all(term_language(t) in (None, hit.lang) for t in held), (hit.lang, held)


def test_stopword_hits_are_counted_the_same_from_either_side() -> None:
    # Detection counts a text's stopwords from the smaller side (its words or the profile).
    from collections import Counter

    from qa import lang
    rng = random.Random(9)
    vocabulary = [*sorted(set().union(*lang.PROFILES.values())), "heron", "zebra", "note"]
    langs = [*lang.PROFILES, "xx"]
    for _ in range(300):
        words = [rng.choice(vocabulary) for _ in range(rng.randrange(0, 400))]
        counts = Counter(words)
        expected = {code: sum(n for w, n in counts.items() if w in lang.PROFILES[code]) for code in lang.PROFILES}
        assert lang._hits(words, langs) == expected
