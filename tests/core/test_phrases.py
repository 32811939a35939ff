from callqa.text.phrases import EXACT, FUZZY, HOMOPHONE, Lexicon, PhraseMatcher


def test_exact_homophone_and_fuzzy_confidence():
    m = PhraseMatcher(["投诉", "请问有什么可以帮您"], homophones=True, fuzzy=True)
    assert [(h.phrase, h.confidence) for h in m.find("我要投诉")] == [("投诉", EXACT)]
    assert [(h.phrase, h.confidence) for h in m.find("我要头诉")] == [("投诉", HOMOPHONE)]
    assert [h.confidence for h in m.find("请问有什么可帮您")] == [FUZZY]       # one missing
    assert [h.confidence for h in m.find("请问有什么可以啊帮您")] == [FUZZY]   # one extra
    assert m.find("请问有什么帮") == []                                        # too far


def test_fuzzy_echo_inside_an_exact_hit_is_dropped():
    m = PhraseMatcher(["请问有什么可以帮您"], fuzzy=True)
    assert len(m.find("请问有什么可以帮您的")) == 1


def test_homophones_are_off_unless_asked_and_false_friends_never_match():
    assert PhraseMatcher(["稍等"]).find("烧等一下") == []
    assert PhraseMatcher(["稍等"], homophones=True).find("烧等一下")
    assert PhraseMatcher(["请您稍候"], homophones=True).find("请您稍后再拨") == []


def test_a_particle_glued_to_an_asr_error_does_not_hide_it():
    # rjieba cuts 再|健哈: the 哈 is a particle, so 再健 is still a misheard 再见
    assert PhraseMatcher(["再见"], homophones=True).find("谢谢您耐心听我讲再健哈")
    assert PhraseMatcher(["有误"], homophones=True).find("有物流信息") == []


def test_lexicon_scans_many_lists_in_one_pass_with_spans_per_text():
    lx = Lexicon()
    greet = lx.register(["您好", "你好"])
    hold = lx.register(["请稍等"])
    assert lx.register(["你好", "您好"]) == greet  # the same list gets the same id
    hits = lx.scan(["您好请稍等", "没有", "你好"])
    assert [(h.start, h.end) for h in hits[0][greet]] == [(0, 2)]
    assert [(h.start, h.end) for h in hits[0][hold]] == [(2, 5)]
    assert hits[1] == {}
    assert [(h.start, h.end) for h in hits[2][greet]] == [(0, 2)]


def test_no_match_across_utterances():
    lx = Lexicon()
    i = lx.register(["好请"])
    assert lx.scan(["您好", "请稍等"]) == [{}, {}]
    assert i in lx.scan(["您好请稍等"])[0]
