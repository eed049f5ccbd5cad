#!/usr/bin/env python3
"""Generate the kg-demo survey: a synthetic pre-election poll of Kyrgyz adults.

Writes, next to this script:
    survey.conf, codebook.csv, values.csv, targets.csv, faults.csv,
    raw/batch1.csv, raw/batch2.csv, raw/batch3.csv.gz

Python 3 standard library only. The output is deterministic: rerunning the
script rewrites every file with identical bytes (fixed seed, no set
iteration, gzip header with mtime 0 and no file name).

Usage: python3 surveys/kg-demo/generate.py        (from any directory)
"""

import datetime
import gzip
import io
import math
import os

import random

HERE = os.path.dirname(os.path.abspath(__file__))
RAW = os.path.join(HERE, "raw")
# Adult (18+) population margins, copied verbatim from the project's reference
# data (shared data/kg/adult_margins.csv: NSC figures, about 2024-2025; see its
# README for sources). Every block sums to 1. targets.csv is written from it.
ADULT_MARGINS = """
variable,category,share
region,Bishkek,0.178
region,Osh city,0.054
region,Batken,0.075
region,Chui,0.156
region,Jalal-Abad,0.180
region,Issyk-Kul,0.078
region,Naryn,0.043
region,Osh region,0.198
region,Talas,0.038
sex,male,0.483
sex,female,0.517
age_group,18-29,0.287
age_group,30-39,0.239
age_group,40-49,0.185
age_group,50-59,0.136
age_group,60+,0.153
settlement,urban,0.360
settlement,rural,0.640
ethnicity,Kyrgyz,0.765
ethnicity,Uzbek,0.141
ethnicity,Russian,0.049
ethnicity,Other,0.045
"""

rng = random.Random(20261126)

DK = "Don't know", "Затрудняюсь ответить", "Билбейм"
REF = "Refused", "Отказ от ответа", "Жооп берүүдөн баш тартты"

# ---------------------------------------------------------------------------
# Sampling design
# ---------------------------------------------------------------------------

# code, English, Russian, Kyrgyz, adult population share (adult_margins.csv),
# urban fraction of the region's adults (approximate; Bishkek, Osh city = 1)
REGIONS = [
    (1, "Bishkek", "г. Бишкек", "Бишкек шаары", 0.178, 1.00),
    (2, "Osh city", "г. Ош", "Ош шаары", 0.054, 1.00),
    (3, "Batken", "Баткенская область", "Баткен облусу", 0.075, 0.22),
    (4, "Chui", "Чуйская область", "Чүй облусу", 0.156, 0.18),
    (5, "Jalal-Abad", "Джалал-Абадская область", "Жалал-Абад облусу", 0.180, 0.22),
    (6, "Issyk-Kul", "Иссык-Кульская область", "Ысык-Көл облусу", 0.078, 0.27),
    (7, "Naryn", "Нарынская область", "Нарын облусу", 0.043, 0.12),
    (8, "Osh region", "Ошская область", "Ош облусу", 0.198, 0.06),
    (9, "Talas", "Таласская область", "Талас облусу", 0.038, 0.14),
]
REGION = {r[0]: r for r in REGIONS}
STRATUM_NAMES = {  # short names for stratum labels
    1: ("Bishkek", "Бишкек", "Бишкек"), 2: ("Osh city", "г. Ош", "Ош шаары"),
    3: ("Batken", "Баткенская обл.", "Баткен облусу"),
    4: ("Chui", "Чуйская обл.", "Чүй облусу"),
    5: ("Jalal-Abad", "Джалал-Абадская обл.", "Жалал-Абад облусу"),
    6: ("Issyk-Kul", "Иссык-Кульская обл.", "Ысык-Көл облусу"),
    7: ("Naryn", "Нарынская обл.", "Нарын облусу"),
    8: ("Osh region", "Ошская обл.", "Ош облусу"),
    9: ("Talas", "Таласская обл.", "Талас облусу"),
}

# stratum code -> (region, settlement, PSUs). Disproportionate allocation:
# towns and the small regions are oversampled, the big rural strata under.
STRATA = [
    (1, 1, 1, 34), (2, 2, 1, 11),
    (3, 3, 1, 3), (4, 3, 2, 8),
    (5, 4, 1, 5), (6, 4, 2, 15),
    (7, 5, 1, 6), (8, 5, 2, 17),
    (9, 6, 1, 4), (10, 6, 2, 9),
    (11, 7, 1, 2), (12, 7, 2, 7),
    (13, 8, 1, 3), (14, 8, 2, 19),
    (15, 9, 1, 2), (16, 9, 2, 5),
]
PLANNED_PER_PSU = 10
N_PSU = sum(s[3] for s in STRATA)
N_PLANNED = N_PSU * PLANNED_PER_PSU

# interviewers by region (I23 is the fabricator, two PSUs in rural Osh region)
TEAMS = {
    1: ["I01", "I02", "I03", "I04", "I05", "I06"],
    2: ["I07", "I08", "I09"],
    3: ["I10", "I11"],
    4: ["I12", "I13", "I14", "I15"],
    5: ["I16", "I17", "I18", "I19"],
    6: ["I20", "I21", "I22"],
    8: ["I24", "I25", "I26", "I27"],
    7: ["I28", "I29"],
    9: ["I30"],
}
FABRICATOR = "I23"
FIELD_START = datetime.datetime(2026, 9, 5)
FIELD_DAYS = 21                    # 5 .. 25 September 2026
BATCH_DAYS = 7                     # batch k = fieldwork week k

# rough centre of each region, for batch3's gps column
GPS = {1: (42.874, 74.590), 2: (40.530, 72.800), 3: (40.060, 70.820),
       4: (42.780, 74.100), 5: (41.100, 72.900), 6: (42.450, 77.300),
       7: (41.430, 75.990), 8: (40.400, 73.300), 9: (42.520, 72.240)}

# ---------------------------------------------------------------------------
# Variables: name, type, en, ru, ky labels, valid, missing, pii, value labels
# ---------------------------------------------------------------------------

TRUST = [(1, "Fully trust", "Полностью доверяю", "Толугу менен ишенем"),
         (2, "Somewhat trust", "Скорее доверяю", "Көбүрөөк ишенем"),
         (3, "Somewhat distrust", "Скорее не доверяю", "Көбүрөөк ишенбейм"),
         (4, "Fully distrust", "Совсем не доверяю", "Такыр ишенбейм"),
         (8,) + DK, (9,) + REF]
INSTITUTIONS = [
    ("president", "the President", "Президенту", "Президентке"),
    ("parliament", "the Jogorku Kenesh (parliament)", "Жогорку Кенешу",
     "Жогорку Кеңешке"),
    ("government", "the Cabinet of Ministers", "Кабинету министров",
     "Министрлер Кабинетине"),
    ("courts", "the courts", "судам", "сотторго"),
    ("police", "the police", "милиции", "милицияга"),
    ("cec", "the Central Election Commission", "ЦИК", "Борбордук шайлоо комиссиясына"),
    ("media", "the mass media", "СМИ", "массалык маалымат каражаттарына"),
]
PROBLEMS = [
    ("unemployment", "безработица", "жумушсуздук"),
    ("rising prices", "рост цен", "баалардын өсүшү"),
    ("corruption", "коррупция", "коррупция"),
    ("labour migration", "трудовая миграция", "эмгек миграциясы"),
    ("healthcare", "здравоохранение", "саламаттыкты сактоо"),
    ("education", "образование", "билим берүү"),
    ("roads and infrastructure", "дороги и инфраструктура",
     "жолдор жана инфраструктура"),
    ("other", "другое", "башка"),
]
PARTIES = [(1, "Yntymak", "Ынтымак", "Ынтымак"),
           (2, "Birimdik Jany", "Биримдик Жаны", "Биримдик Жаңы"),
           (3, "Ala-Too Jolu", "Ала-Тоо Жолу", "Ала-Тоо Жолу"),
           (4, "Jashyl Kyrgyzstan", "Жашыл Кыргызстан", "Жашыл Кыргызстан"),
           (5, "El Unu", "Эл Уну", "Эл Үнү"),
           (6, "Tabylga", "Табылга", "Табылга"),
           (97, "Other party", "Другая партия", "Башка партия"),
           (98,) + DK, (99,) + REF]
CANDIDATES = [(1, "Sadyr Japarov", "Садыр Жапаров", "Садыр Жапаров"),
              (2, "Adakhan Madumarov", "Адахан Мадумаров", "Адахан Мадумаров"),
              (3, "Babur Tolbayev", "Бабур Толбаев", "Бабур Толбаев"),
              (4, "Myktybek Arstanbek", "Мыктыбек Арстанбек", "Мыктыбек Арстанбек"),
              (5, "Against all", "Против всех", "Баарына каршы"),
              (97, "Other candidate", "Другой кандидат", "Башка талапкер"),
              (98,) + DK, (99,) + REF]
YESNO = [(1, "Yes", "Да", "Ооба"), (2, "No", "Нет", "Жок"),
         (8,) + DK, (9,) + REF]
MENTION = [(0, "Not mentioned", "Не упомянуто", "Аталган жок"),
           (1, "Mentioned", "Упомянуто", "Аталды")]


def var(name, typ, en, ru, ky, valid="", missing="", pii="", values=None):
    return dict(name=name, type=typ, en=en, ru=ru, ky=ky, valid=valid,
                missing=missing, pii=pii, values=values or [])


VARS = [
    var("resp_id", "id", "Respondent ID", "Номер анкеты", "Анкетанын номери"),
    var("interviewer", "id", "Interviewer", "Интервьюер", "Интервьюер"),
    var("region", "cat", "Region", "Регион", "Аймак", "1-9",
        values=[r[:4] for r in REGIONS]),
    var("settlement", "cat", "Type of settlement", "Тип населённого пункта",
        "Калктуу конуштун түрү", "1-2",
        values=[(1, "Urban", "Город", "Шаар"), (2, "Rural", "Село", "Айыл")]),
    var("stratum", "cat", "Stratum (region x settlement)",
        "Страта (регион x тип поселения)", "Страта (аймак x конуштун түрү)",
        "1-%d" % len(STRATA),
        values=[(s, "%s %s" % (STRATUM_NAMES[r][0], "urban" if u == 1 else "rural"))
                + ((REGION[r][2], REGION[r][3]) if r in (1, 2) else
                   ("%s, %s" % (STRATUM_NAMES[r][1], "город" if u == 1 else "село"),
                    "%s, %s" % (STRATUM_NAMES[r][2], "шаар" if u == 1 else "айыл")))
                for s, r, u, _ in STRATA]),
    var("psu", "num", "Primary sampling unit", "Первичная единица выборки",
        "Тандоонун баштапкы бирдиги", "1-%d" % N_PSU),
    var("dweight", "num", "Design weight", "Дизайн-вес", "Дизайндык салмак"),
    var("sex", "cat", "Sex", "Пол", "Жынысы", "1-2",
        values=[(1, "Male", "Мужской", "Эркек"), (2, "Female", "Женский", "Аял")]),
    var("age", "num", "Age (years)", "Возраст (полных лет)", "Жашы (толук жыл)",
        "18-95"),
    var("age_group", "cat", "Age group", "Возрастная группа", "Жаш тобу", "1-5",
        values=[(1, "18-29", "18-29 лет", "18-29 жаш"),
                (2, "30-39", "30-39 лет", "30-39 жаш"),
                (3, "40-49", "40-49 лет", "40-49 жаш"),
                (4, "50-59", "50-59 лет", "50-59 жаш"),
                (5, "60+", "60 лет и старше", "60 жана андан улуу")]),
    var("education", "cat", "Education", "Образование", "Билими", "1-5,9", "9",
        values=[(1, "Incomplete secondary", "Неполное среднее", "Толук эмес орто"),
                (2, "Secondary", "Среднее общее", "Жалпы орто"),
                (3, "Vocational", "Среднее специальное", "Орто кесиптик"),
                (4, "Incomplete higher", "Неполное высшее", "Толук эмес жогорку"),
                (5, "Higher", "Высшее", "Жогорку"),
                (9,) + REF]),
    var("ethnicity", "cat", "Ethnicity", "Национальность", "Улуту", "1-4",
        values=[(1, "Kyrgyz", "Кыргыз", "Кыргыз"), (2, "Uzbek", "Узбек", "Өзбек"),
                (3, "Russian", "Русский", "Орус"), (4, "Other", "Другая", "Башка")]),
    var("lang", "cat", "Language of interview", "Язык интервью",
        "Интервьюнун тили", "1-3",
        values=[(1, "Kyrgyz", "Кыргызский", "Кыргыз тили"),
                (2, "Russian", "Русский", "Орус тили"),
                (3, "Uzbek", "Узбекский", "Өзбек тили")]),
    var("start", "date", "Interview start", "Начало интервью",
        "Интервьюнун башталышы"),
    var("end", "date", "Interview end", "Окончание интервью",
        "Интервьюнун аякталышы"),
    var("duration", "num", "Interview duration (seconds)",
        "Продолжительность интервью (секунд)", "Интервьюнун узактыгы (секунд)",
        "0-36000"),
    var("q1", "cat", "Q1. Is the country going in the right or the wrong direction?",
        "Q1. Как вы считаете, страна движется в правильном или неправильном направлении?",
        "Q1. Сиздин оюңузча, өлкө туура же туура эмес багытта баратабы?",
        "1-2,8,9", "8,9",
        values=[(1, "Right direction", "В правильном направлении", "Туура багытта"),
                (2, "Wrong direction", "В неправильном направлении",
                 "Туура эмес багытта"),
                (8,) + DK, (9,) + REF]),
]
for key, en, ru, ky in INSTITUTIONS:
    VARS.append(var("q2_" + key, "cat", "Q2. Trust in " + en,
                    "Q2. Доверие к " + ru if key != "cec" else "Q2. Доверие к ЦИК",
                    "Q2. " + ky[0].upper() + ky[1:] + " болгон ишеним",
                    "1-4,8,9", "8,9", values=TRUST))
VARS += [
    var("q3", "cat", "Q3. Vote intention: party if parliamentary elections were "
        "held next Sunday",
        "Q3. За какую партию вы бы проголосовали, если бы выборы в Жогорку Кенеш "
        "состоялись в ближайшее воскресенье?",
        "Q3. Эгер Жогорку Кеңешке шайлоо келерки жекшембиде өтсө, кайсы партияга "
        "добуш бермексиз?", "1-6,97-99", "98,99", values=PARTIES),
    var("q4", "cat", "Q4. Would you vote in those elections?",
        "Q4. Пошли бы вы на эти выборы?", "Q4. Ал шайлоого барат белеңиз?",
        "1-4,8,9", "8,9",
        values=[(1, "Certainly yes", "Обязательно пойду", "Сөзсүз барам"),
                (2, "Probably yes", "Скорее пойду", "Балким барам"),
                (3, "Probably not", "Скорее не пойду", "Балким барбайм"),
                (4, "Certainly not", "Точно не пойду", "Такыр барбайм"),
                (8,) + DK, (9,) + REF]),
    var("q5", "cat", "Q5. Voted in the presidential election of 10 January 2021",
        "Q5. Голосовали ли вы на выборах Президента 10 января 2021 года?",
        "Q5. 2021-жылдын 10-январындагы Президенттик шайлоодо добуш бердиңизби?",
        "1-2,8,9", "8,9", values=YESNO),
    var("q6", "cat", "Q6. Candidate voted for in 2021 (asked if Q5 = 1)",
        "Q6. За кого вы голосовали в 2021 году? (если Q5 = 1)",
        "Q6. 2021-жылы кимге добуш бердиңиз? (эгер Q5 = 1)",
        "1-5,97-99", "98,99", values=CANDIDATES),
    var("q7", "cat", "Q7. Attitude to democracy", "Q7. Отношение к демократии",
        "Q7. Демократияга мамиле", "1-3,8,9", "8,9",
        values=[(1, "Democracy is always preferable",
                 "Демократия всегда предпочтительнее",
                 "Демократия ар дайым артыкчылыктуу"),
                (2, "Sometimes an authoritarian government can be preferable",
                 "Иногда авторитарное правление может быть предпочтительнее",
                 "Кээде авторитардык башкаруу жакшыраак болушу мүмкүн"),
                (3, "It does not matter to people like me",
                 "Для таких, как я, это не имеет значения",
                 "Мендей адамдар үчүн айырмасы жок"),
                (8,) + DK, (9,) + REF]),
    var("q8", "cat", "Q8. Satisfaction with the way democracy works in Kyrgyzstan",
        "Q8. Удовлетворены ли вы тем, как работает демократия в Кыргызстане?",
        "Q8. Кыргызстанда демократиянын иштешине канааттанасызбы?",
        "1-4,8,9", "8,9",
        values=[(1, "Very satisfied", "Полностью удовлетворён", "Толук канааттанам"),
                (2, "Fairly satisfied", "Скорее удовлетворён", "Көбүрөөк канааттанам"),
                (3, "Not very satisfied", "Скорее не удовлетворён",
                 "Көбүрөөк канааттанбайм"),
                (4, "Not at all satisfied", "Совсем не удовлетворён",
                 "Такыр канааттанбайм"),
                (8,) + DK, (9,) + REF]),
]
for i, (en, ru, ky) in enumerate(PROBLEMS, 1):
    VARS.append(var("q9_%d" % i, "cat", "Q9. Most important problems: " + en,
                    "Q9. Важнейшие проблемы: " + ru,
                    "Q9. Эң маанилүү көйгөйлөр: " + ky, "0-1", values=MENTION))
VARS += [
    var("q10", "cat", "Q10. Economic situation of your household",
        "Q10. Материальное положение вашей семьи",
        "Q10. Үй-бүлөңүздүн материалдык абалы", "1-5,8,9", "8,9",
        values=[(1, "Very good", "Очень хорошее", "Абдан жакшы"),
                (2, "Good", "Хорошее", "Жакшы"),
                (3, "Average", "Среднее", "Орточо"),
                (4, "Bad", "Плохое", "Начар"),
                (5, "Very bad", "Очень плохое", "Абдан начар"),
                (8,) + DK, (9,) + REF]),
    var("q11", "cat", "Q11. Main source of news", "Q11. Основной источник новостей",
        "Q11. Жаңылыктардын негизги булагы", "1-5,8", "8",
        values=[(1, "Television", "Телевидение", "Телевидение"),
                (2, "Internet and social media", "Интернет и социальные сети",
                 "Интернет жана социалдык тармактар"),
                (3, "Radio", "Радио", "Радио"),
                (4, "Newspapers", "Газеты", "Гезиттер"),
                (5, "Friends and family", "Друзья и родственники",
                 "Достор жана туугандар"),
                (8,) + DK]),
    var("q12", "text", "Q12. Anything else you would like to say? (open)",
        "Q12. Что бы вы хотели добавить? (открытый вопрос)",
        "Q12. Дагы эмне кошумчалагыңыз келет? (ачык суроо)"),
    var("phone", "text", "Phone number (for back-checks)",
        "Номер телефона (для контроля)", "Телефон номери (текшерүү үчүн)",
        pii="yes"),
]
COLUMNS = [v["name"] for v in VARS]
VAR = {v["name"]: v for v in VARS}
ITEMS = ["q1"] + ["q2_" + k[0] for k in INSTITUTIONS] + \
    ["q3", "q4", "q5", "q6", "q7", "q8"] + \
    ["q9_%d" % i for i in range(1, 9)] + ["q10", "q11"]

# batch2 (Excel, ru locale): some columns moved, no phone.
BATCH2_COLUMNS = ["resp_id", "region", "settlement", "stratum", "psu",
                  "interviewer", "sex", "age", "age_group", "education",
                  "ethnicity", "lang", "duration", "start", "end"] + ITEMS + \
    ["q12", "dweight"]
# batch3 (tablet export): an extra gps column after `end`.
BATCH3_COLUMNS = COLUMNS[:COLUMNS.index("end") + 1] + ["gps"] + \
    COLUMNS[COLUMNS.index("end") + 1:]
assert sorted(BATCH2_COLUMNS) == sorted(c for c in COLUMNS if c != "phone")

# ---------------------------------------------------------------------------
# Open comments (q12). Batch2 is CP1251: only the Russian ones go there.
# ---------------------------------------------------------------------------

COMMENTS_KY = [
    "Жолдорду оңдош керек, айылда жакшы жол жок.",
    "Баалар өтө эле кымбаттап кетти.",
    "Жумуш жок, жаштар Орусияга кетип жатат.",
    "Шайлоо адилеттүү өтсө экен.",
    "Мектепте мугалимдер жетишпейт.",
    "Ооруканада дары жок, дарыгерлер аз.",
    '"Ынтымак" партиясы жөнүндө эч нерсе уккан эмесмин.',
    "Коррупция менен күрөшүү керек.",
    "Пенсия аз, жашоо кыйын болуп калды.",
    "Баары жакшы, рахмат.",
    "Президентке ишенем, бирок жергиликтүү бийликке ишенбейм.",
    "Балдарыбыз чет өлкөдө иштейт.",
    "Газ жок, көмүр кымбат.",
]
COMMENTS_RU = [
    "Цены растут, а зарплаты нет.",
    "Нужно ремонтировать дороги.",
    "Хочу, чтобы выборы прошли честно.",
    "Молодёжь уезжает на заработки в Россию.",
    'Партию "Биримдик Жаны" не знаю.',
    "Коррупция везде; без взятки ничего не решить.",
    "Всё хорошо, спасибо.",
    "Больницы в плохом состоянии — врачей не хватает.",
    "Смотрю «Новости», но не всему верю.",
    "Зимой нет газа, уголь дорогой.",
    "Школу № 5 закрыли на ремонт, дети ездят в райцентр.",
    "Пенсии маленькие, лекарства дорогие.",
    "Надеюсь на лучшее.",
]
# one comment with an embedded newline is planted in each batch
NEWLINE_COMMENT = {
    1: "Айылга таза суу керек.\nКышында жарык өчүп калат.",
    2: "Дороги плохие.\nВоды нет уже неделю.",
    3: 'Свет отключают каждый вечер.\nСказали "потерпите", терпим.',
}

PHONE_PREFIXES = ["555", "557", "559", "700", "701", "702", "705", "707",
                  "770", "771", "772", "777", "220", "221", "222", "500",
                  "502", "550", "551", "552", "554"]

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def choose(pairs):
    """Draw a code from [(code, weight), ...]."""
    total = sum(w for _, w in pairs)
    x = rng.random() * total
    for code, w in pairs:
        x -= w
        if x < 0:
            return code
    return pairs[-1][0]


def logistic(x):
    return 1.0 / (1.0 + math.exp(-x))


def nonresponse(p_dk, p_ref, dk=8, ref=9):
    x = rng.random()
    if x < p_dk:
        return dk
    if x < p_dk + p_ref:
        return ref
    return None


def fmt_time(t):
    return t.strftime("%Y-%m-%d %H:%M:%S")


# ---------------------------------------------------------------------------
# Respondents
# ---------------------------------------------------------------------------

ETHNIC = {  # region -> weights for Kyrgyz, Uzbek, Russian, Other
    1: (73, 3, 13, 11), 2: (56, 40, 1, 3), 3: (76, 15, 0.5, 8.5),
    4: (63, 2, 19, 16), 5: (72, 26, 0.5, 1.5), 6: (88, 0.5, 7, 4.5),
    7: (99, 0, 0.3, 0.7), 8: (68, 30, 0.5, 1.5), 9: (93, 0.5, 1, 5.5),
}
SOUTH = (2, 3, 5, 8)


def make_demographics(r):
    region, urban = r["region"], r["settlement"] == 1
    # the achieved sample has too many women and too few young adults
    r["sex"] = choose([(1, 0.42), (2, 0.58)])
    grp = choose([(1, 0.20), (2, 0.22), (3, 0.20), (4, 0.17), (5, 0.21)])
    if grp == 5:
        age = 60 + min(35, int(rng.expovariate(1 / 8.0)))
    else:
        lo = (18, 30, 40, 50)[grp - 1]
        age = rng.randint(lo, (29, 39, 49, 59)[grp - 1])
    r["age"], r["age_group"] = age, grp
    eth = choose(list(zip((1, 2, 3, 4), ETHNIC[region])))
    r["ethnicity"] = eth
    if grp == 1:
        edu = [5, 38, 20, 17, 20]
    elif grp <= 4:
        edu = [6, 42, 26, 3, 23]
    else:
        edu = [20, 40, 24, 2, 14]
    if urban:
        edu[1] -= 10
        edu[4] += 10
    r["education"] = 9 if rng.random() < 0.01 else \
        choose(list(zip((1, 2, 3, 4, 5), edu)))
    if eth == 1:
        p_ru = 0.45 if region in (1, 4) and urban else 0.2 if urban else 0.03
        r["lang"] = 2 if rng.random() < p_ru else 1
    elif eth == 2:
        r["lang"] = choose([(3, 0.75), (2, 0.15), (1, 0.10)])
    elif eth == 3:
        r["lang"] = 2
    else:
        r["lang"] = choose([(2, 0.75), (1, 0.20), (3, 0.05)])


def make_answers(r):
    """Answers correlated with demographics through two latent traits."""
    region, urban = r["region"], r["settlement"] == 1
    age, edu, lang = r["age"], r["education"], r["lang"]
    old = age >= 60
    # g: support for the authorities; e: household economic standing
    g = (0.5 + 0.5 * (not urban) + 0.4 * (lang == 1) - 0.4 * (lang == 2)
         - 0.2 * (lang == 3) + 0.15 * (age >= 50) - 0.25 * (edu == 5)
         - 0.3 * (region == 1) + rng.gauss(0, 1))
    e = 0.3 * urban + 0.3 * (edu in (4, 5)) - 0.25 * old + rng.gauss(0, 1)
    dkf = 1.6 if old and edu in (1, 2) else 0.7 if edu == 5 else 1.0

    r["q1"] = nonresponse(0.07 * dkf, 0.02) or \
        (1 if rng.random() < logistic(1.1 * g - 0.1) else 2)

    offsets = {"president": 0.8, "parliament": -0.3, "government": 0.0,
               "courts": -0.8, "police": -0.6, "cec": -0.3, "media": -0.2}
    dk_inst = {"courts": 0.08, "cec": 0.10, "media": 0.05}
    for key, *_ in INSTITUTIONS:
        nr = nonresponse(dk_inst.get(key, 0.04) * dkf, 0.01)
        if nr:
            r["q2_" + key] = nr
            continue
        x = g + offsets[key] + rng.gauss(0, 0.8)
        r["q2_" + key] = 1 if x > 1.7 else 2 if x > 0.5 else 3 if x > -0.6 else 4

    nr = nonresponse(0.18 * dkf, 0.06, 98, 99)
    if nr:
        r["q3"] = nr
    elif rng.random() < 0.03:
        r["q3"] = 97
    else:
        south = region in SOUTH
        util = [(1, 1.2 + 0.8 * g), (2, 0.6 + 0.5 * g + 0.3 * (lang == 1)),
                (3, 0.3 - 0.4 * g + 0.5 * south),
                (4, -0.2 - 0.6 * g + 0.6 * urban + 0.4 * (age < 30)),
                (5, -0.4 - 0.3 * g + 0.9 * (lang == 3) + 0.4 * (lang == 2)),
                (6, -1.0)]
        r["q3"] = choose([(c, math.exp(u)) for c, u in util])

    x = 0.4 + 0.5 * (age >= 40) + 0.2 * g + 0.2 * (edu == 5) + rng.gauss(0, 1)
    r["q4"] = nonresponse(0.05 * dkf, 0.01) or \
        (1 if x > 0.8 else 2 if x > -0.1 else 3 if x > -0.8 else 4)

    if age <= 22:           # under 18 on 10 January 2021
        r["q5"] = 2
    else:
        r["q5"] = nonresponse(0.02, 0.01) or \
            (1 if rng.random() < logistic(-0.3 + 0.035 * (age - 40) + 0.25 * g)
             else 2)
    if r["q5"] == 1:
        nr = nonresponse(0.03, 0.07, 98, 99)
        if nr:
            r["q6"] = nr
        else:
            south = region in SOUTH
            r["q6"] = choose([(1, 10 * logistic(1.0 + 1.2 * g)),
                              (2, 0.8 + 0.8 * south), (3, 0.3 + 0.4 * south),
                              (4, 0.35), (5, 0.25), (97, 0.9)])

    x = 0.1 + 0.5 * (edu == 5) - 0.3 * g + 0.2 * (lang == 2) + rng.gauss(0, 1)
    r["q7"] = nonresponse(0.08 * dkf, 0.02) or \
        (1 if x > -0.1 else 2 if x > -1.0 else 3)

    x = g - 0.3 + rng.gauss(0, 0.8)
    r["q8"] = nonresponse(0.09 * dkf, 0.02) or \
        (1 if x > 1.8 else 2 if x > 0.4 else 3 if x > -0.7 else 4)

    weights = [1.0 + 0.6 * (age < 30) + 0.3 * (not urban),
               1.4,
               0.7 + 0.4 * urban + 0.3 * (edu == 5) - 0.15 * g,
               0.4 + 0.5 * (not urban) + 0.2 * (region in SOUTH),
               0.5 + 0.5 * old,
               0.3 + 0.2 * (30 <= age < 50),
               0.4 + 0.6 * (not urban),
               0.08]
    k = choose([(1, 0.3), (2, 0.45), (3, 0.25)])
    pool = list(range(8))
    picked = []
    for _ in range(k):
        i = choose([(j, max(0.05, weights[j])) for j in pool])
        pool.remove(i)
        picked.append(i)
    for i in range(8):
        r["q9_%d" % (i + 1)] = 1 if i in picked else 0

    r["q10"] = nonresponse(0.03, 0.02) or \
        (1 if e > 2.2 else 2 if e > 0.9 else 3 if e > -0.8 else 4 if e > -1.8 else 5)

    p_net = {1: 0.70, 2: 0.55, 3: 0.40, 4: 0.27, 5: 0.12}[r["age_group"]]
    p_net += 0.08 * urban
    if rng.random() < 0.01:
        r["q11"] = 8
    elif rng.random() < p_net:
        r["q11"] = 2
    else:
        r["q11"] = choose([(1, 0.76), (3, 0.07), (4, 0.04), (5, 0.13)])


def phone_number():
    return "+996 %s %03d %03d" % (rng.choice(PHONE_PREFIXES),
                                  rng.randint(0, 999), rng.randint(0, 999))


# ---------------------------------------------------------------------------
# Build the sample
# ---------------------------------------------------------------------------

POP_SHARE = {}
for s, region, settle, npsu in STRATA:
    share, urb = REGION[region][4], REGION[region][5]
    POP_SHARE[s] = share * (urb if settle == 1 else 1 - urb)
DWEIGHT = {s: round(POP_SHARE[s] * N_PLANNED / (npsu * PLANNED_PER_PSU), 4)
           for s, _, _, npsu in STRATA}

psus = []          # dicts: psu, stratum, region, settlement
for s, region, settle, npsu in STRATA:
    for _ in range(npsu):
        psus.append(dict(psu=len(psus) + 1, stratum=s, region=region,
                         settlement=settle))

# assign PSUs to interviewers: I23 gets two rural Osh-region PSUs
by_interviewer = {}
for region in sorted(TEAMS):
    mine = [p for p in psus if p["region"] == region]
    if region == 8:
        rural = [p for p in mine if p["settlement"] == 2]
        fab = rng.sample(rural, 2)
        by_interviewer[FABRICATOR] = fab
        mine = [p for p in mine if p not in fab]
    rng.shuffle(mine)
    team = TEAMS[region]
    for i, p in enumerate(mine):
        by_interviewer.setdefault(team[i % len(team)], []).append(p)

# fieldwork days: each interviewer's PSUs on distinct days spread over 3 weeks
day_load = [0] * FIELD_DAYS
for iv in sorted(by_interviewer):
    plist = sorted(by_interviewer[iv], key=lambda p: p["psu"])
    rng.shuffle(plist)
    k = len(plist)
    for j, p in enumerate(plist):
        # one PSU in each of k equal stretches of the fieldwork period, on the
        # day of that stretch with the fewest PSUs so far (keeps days even)
        span = list(range((FIELD_DAYS * j) // k,
                          max((FIELD_DAYS * j) // k + 1,
                              (FIELD_DAYS * (j + 1)) // k)))
        least = min(day_load[d] for d in span)
        p["day"] = rng.choice([d for d in span if day_load[d] == least])
        day_load[p["day"]] += 1
        p["interviewer"] = iv

rows = []
for p in psus:
    n = PLANNED_PER_PSU if p["interviewer"] == FABRICATOR else \
        choose([(9, 0.15), (10, 0.70), (11, 0.15)])
    for _ in range(n):
        r = {c: None for c in COLUMNS}
        r.update(interviewer=p["interviewer"], region=p["region"],
                 settlement=p["settlement"], stratum=p["stratum"], psu=p["psu"],
                 dweight=DWEIGHT[p["stratum"]])
        r["_day"] = p["day"]
        make_demographics(r)
        make_answers(r)
        r["phone"] = phone_number() if rng.random() < 0.92 else None
        rows.append(r)



def near_pairs(recs, maxdiff=2):
    """Pairs of records differing in at most maxdiff of ITEMS. Two such
    records agree exactly on at least one of maxdiff + 1 blocks of items, so
    only records sharing a block are compared."""
    nblk = maxdiff + 1
    blocks = [ITEMS[i::nblk] for i in range(nblk)]
    seen, out = set(), []
    for blk in blocks:
        buckets = {}
        for i, r in enumerate(recs):
            buckets.setdefault(tuple(r[q] for q in blk), []).append(i)
        for members in buckets.values():
            for a in range(len(members)):
                for b in range(a + 1, len(members)):
                    i, j = members[a], members[b]
                    if (i, j) in seen:
                        continue
                    seen.add((i, j))
                    if sum(recs[i][q] != recs[j][q] for q in ITEMS) <= maxdiff:
                        out.append((i, j))
    return sorted(out)


# genuine respondents should not look like near-duplicates (>= 22 of the 24
# items equal): redraw the answers of the later one of any such pair
while True:
    pairs = near_pairs(rows)
    if not pairs:
        break
    for j in sorted(set(j for _, j in pairs)):
        make_answers(rows[j])

faults = []        # (row dict, fault, detail); resp_id/batch filled in later


def fault(r, name, detail):
    faults.append((r, name, detail))
    r.setdefault("_faults", []).append(name)


# --- fabricator: a template questionnaire copied with at most one change ---
fab_rows = [r for r in rows if r["interviewer"] == FABRICATOR]
template = {q: fab_rows[0][q] for q in ITEMS}
changeable = [q for q in ITEMS if q not in ("q5", "q6")]
for n, r in enumerate(fab_rows):
    for q in ITEMS:
        r[q] = template[q]
    changed = []
    if n % 5 != 0:                                  # 16 of 20 get one change
        q = rng.choice(changeable)
        codes = [c for c in VAR[q]["values"] if c[0] != r[q]]
        r[q] = rng.choice(codes)[0]
        changed.append("%s=%s" % (q, r[q]))
    r["q12"] = None
    if rng.random() < 0.5:
        r["phone"] = None
    fault(r, "fabricator", "interviewer %s; q1-q11 copy one template%s"
          % (FABRICATOR, "; changed " + ", ".join(changed) if changed
             else "; no change"))

normal = [r for r in rows if r["interviewer"] != FABRICATOR]


def pick(n, cond=lambda r: True):
    cands = [r for r in normal if "_faults" not in r and "_used" not in r
             and cond(r)]
    out = rng.sample(cands, n)
    for r in out:
        r["_used"] = True
    return out


# --- speeders: decided before the timetable so the day's clock adds up ---
speeders = pick(12, lambda r: r["interviewer"] == "I05") + \
    pick(8, lambda r: r["interviewer"] == "I17") + pick(20)
for r in speeders:
    r["duration"] = rng.randint(240, 590)
    fault(r, "speeder", "duration %d s" % r["duration"])
for r in rows:
    if r["duration"] is None:
        if r["interviewer"] == FABRICATOR:
            r["duration"] = rng.randint(660, 1080)
        else:
            r["duration"] = max(1500, min(3600, int(rng.gauss(2450, 420))))

# --- timetable: each interviewer works a PSU in one day, one after another ---
for p in psus:
    day = FIELD_START + datetime.timedelta(days=p["day"])
    t = day + datetime.timedelta(hours=8, minutes=30,
                                 seconds=rng.randint(0, 3600))
    for r in [r for r in rows if r["psu"] == p["psu"]]:
        r["_start"] = t
        r["start"] = fmt_time(t)
        end = t + datetime.timedelta(seconds=r["duration"])
        r["end"] = fmt_time(end)
        assert end.date() == day.date() and end.hour < 22, (p, end)
        gap = rng.randint(120, 600) if p["interviewer"] == FABRICATOR \
            else rng.randint(300, 1500)
        t = end + datetime.timedelta(seconds=gap)

rows.sort(key=lambda r: (r["_start"], r["interviewer"]))
for i, r in enumerate(rows, 1):
    r["resp_id"] = "%06d" % i
    r["_batch"] = 1 + (r["_start"] - FIELD_START).days // BATCH_DAYS

# GPS fix (batch3's extra column): jitter around the PSU's point
psu_point = {}
for p in psus:
    la, lo = GPS[p["region"]]
    psu_point[p["psu"]] = (la + rng.uniform(-0.25, 0.25),
                           lo + rng.uniform(-0.35, 0.35))
for r in rows:
    la, lo = psu_point[r["psu"]]
    r["_gps"] = None if rng.random() < 0.05 else "%.5f,%.5f" % (
        la + rng.uniform(-0.004, 0.004), lo + rng.uniform(-0.004, 0.004))

# --- open comments: language of the interview; Russian only in batch2 ---
for r in rows:
    if r["interviewer"] == FABRICATOR or rng.random() > 0.25:
        continue
    russian = r["_batch"] == 2 or r["lang"] == 2 or \
        (r["lang"] == 3 and rng.random() < 0.5)
    r["q12"] = rng.choice(COMMENTS_RU if russian else COMMENTS_KY)
for b in (1, 2, 3):
    r = rng.choice([r for r in normal if r["_batch"] == b and
                    (b == 2 or r["lang"] == (1 if b == 1 else 2))])
    r["q12"] = NEWLINE_COMMENT[b]

# --- out-of-range values ---
OUT_OF_RANGE = [("q1", 6), ("q2_police", 7), ("age", 150), ("education", 0),
                ("q3", 7), ("q4", 5), ("q8", 0), ("q9_3", 2), ("q10", 6),
                ("q11", 9), ("q2_courts", 5), ("sex", 3), ("lang", 4),
                ("q7", 4), ("age", 17)]
for (v, bad), r in zip(OUT_OF_RANGE, pick(len(OUT_OF_RANGE))):
    r[v] = bad
    if v == "age":
        r["age_group"] = 5 if bad > 59 else 1
    fault(r, "out_of_range", "%s = %d (valid %s)" % (v, bad, VAR[v]["valid"]))

# --- routing: Q6 answered although Q5 != 1 ---
for r in pick(12, lambda r: r["q5"] != 1):
    r["q6"] = choose([(1, 0.75), (2, 0.08), (3, 0.04), (97, 0.08), (98, 0.05)])
    fault(r, "routing", "q5 = %d but q6 = %d" % (r["q5"], r["q6"]))

# --- missing demographics ---
for n, r in enumerate(pick(10)):
    if n < 6:
        r["age"] = r["age_group"] = None
        fault(r, "missing_demographic", "age and age_group empty")
    else:
        r["education"] = None
        fault(r, "missing_demographic", "education empty")

# --- age_group disagreeing with age (mostly a slip at a group boundary) ---
for r in pick(5, lambda r: r["age"] in (29, 30, 39, 40, 49, 50, 59, 60)):
    right = r["age_group"]
    r["age_group"] = right + 1 if r["age"] % 10 == 9 else right - 1
    fault(r, "age_group_mismatch", "age %d but age_group = %d (should be %d)"
          % (r["age"], r["age_group"], right))

# --- duplicate ids: a mistyped questionnaire number on another interview ---
dup_pairs = []
for b_src, b_dst in ((1, 1), (2, 2), (3, 3), (1, 2), (1, 3), (2, 3)):
    src = pick(1, lambda r: r["_batch"] == b_src)[0]
    dst = pick(1, lambda r, s=src: r["_batch"] == b_dst and
               r["_start"] > s["_start"] and r["psu"] != s["psu"])[0]
    dup_pairs.append((src, dst))
for src, dst in dup_pairs:
    old = dst["resp_id"]
    dst["resp_id"] = src["resp_id"]
    fault(dst, "duplicate_id",
          "id also on a different interview in batch%d (interviewer %s, psu %d);"
          " this one (batch%d, interviewer %s, psu %d) should have been %s"
          % (src["_batch"], src["interviewer"], src["psu"], dst["_batch"],
             dst["interviewer"], dst["psu"], old))

# --- duplicate interviews: the same record sent again under a new id ---
next_id = len(rows) + 1
copies = []
for b_src, b_dst in ((1, 1), (1, 2), (2, 3)):
    src = pick(1, lambda r: r["_batch"] == b_src and r["q12"] is None)[0]
    c = dict(src)
    c.pop("_used", None)
    c["resp_id"] = "%06d" % next_id
    c["_batch"] = b_dst
    next_id += 1
    copies.append(c)
    fault(c, "duplicate_interview", "exact copy of %s (batch%d) under a new id"
          % (src["resp_id"], b_src))
rows += copies

# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def csv_field(s, sep):
    if s is None:
        return ""
    if any(ch in s for ch in (sep, '"', "\n", "\r")):
        return '"' + s.replace('"', '""') + '"'
    return s


def csv_text(table, sep=",", eol="\n"):
    return "".join(sep.join(csv_field(f, sep) for f in rec) + eol
                   for rec in table)


def value_text(r, col, excel=False):
    """batch1/3 write 4 decimals; Excel (ru) writes its General format:
    shortest digits and a decimal comma, e.g. 0,99 and 1,2388."""
    v = r["_gps"] if col == "gps" else r[col]
    if v is None:
        return None
    if isinstance(v, float):
        s = "%.4f" % v
        return s.rstrip("0").rstrip(".").replace(".", ",") if excel else s
    return str(v)


def write_bytes(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def batch_rows(b):
    """A batch in interview order; records sent again come last."""
    out = [r for r in rows if r["_batch"] == b]
    out.sort(key=lambda r: ("duplicate_interview" in r.get("_faults", ()),
                            r["_start"], r["resp_id"]))
    return out


# survey.conf
conf = """\
# kg-demo: synthetic pre-election poll of Kyrgyz adults (svykit demo survey).
# Generated by generate.py; edit that script, not this file.
title = Pre-election poll of adults in the Kyrgyz Republic, September 2026 (synthetic demo)
title@ru = Предвыборный опрос взрослого населения Кыргызской Республики, сентябрь 2026 (синтетические данные)
title@ky = Кыргыз Республикасынын бойго жеткен калкынын шайлоо алдындагы сурамжылоосу, 2026-жылдын сентябры (синтетикалык маалыматтар)
# design: 16 strata (region x urban/rural), PSUs with replacement, base weight
id = resp_id
strata = stratum
cluster = psu
base_weight = dweight
# name of the weight column that svy-weight appends
weight = weight
language = ru
fieldwork_start = 2026-09-05
fieldwork_end = 2026-09-25
interviewer = interviewer
duration = duration
"""
write_bytes(os.path.join(HERE, "survey.conf"), conf.encode("utf-8"))

# codebook.csv, values.csv
cb = [["variable", "type", "label", "label@ru", "label@ky", "valid", "missing",
       "pii"]]
vl = [["variable", "code", "label", "label@ru", "label@ky"]]
for v in VARS:
    cb.append([v["name"], v["type"], v["en"], v["ru"], v["ky"], v["valid"],
               v["missing"], v["pii"]])
    assert (v["type"] == "cat") == bool(v["values"]), v["name"]
    for code, en, ru, ky in v["values"]:
        vl.append([v["name"], str(code), en, ru, ky])
write_bytes(os.path.join(HERE, "codebook.csv"), csv_text(cb).encode("utf-8"))
write_bytes(os.path.join(HERE, "values.csv"), csv_text(vl).encode("utf-8"))

# targets.csv: the margins file's shares, categories as data codes
CATEGORY_CODES = {
    "region": {r[1]: r[0] for r in REGIONS},
    "sex": {"male": 1, "female": 2},
    "age_group": {"18-29": 1, "30-39": 2, "40-49": 3, "50-59": 4, "60+": 5},
    "settlement": {"urban": 1, "rural": 2},
    "ethnicity": {"Kyrgyz": 1, "Uzbek": 2, "Russian": 3, "Other": 4},
}
tg = [["variable", "category", "target"]]
for line in ADULT_MARGINS.strip().splitlines()[1:]:
    variable, category, share = line.split(",")
    tg.append([variable, str(CATEGORY_CODES[variable][category]), share])
write_bytes(os.path.join(HERE, "targets.csv"), csv_text(tg).encode("utf-8"))

# raw/batch1.csv: UTF-8, ',', LF
b1 = [COLUMNS] + [[value_text(r, c) for c in COLUMNS] for r in batch_rows(1)]
write_bytes(os.path.join(RAW, "batch1.csv"), csv_text(b1).encode("utf-8"))

# raw/batch2.csv: Russian-locale Excel: CP1251, ';', CRLF, decimal comma
b2 = [BATCH2_COLUMNS] + [[value_text(r, c, True) for c in BATCH2_COLUMNS]
                         for r in batch_rows(2)]
write_bytes(os.path.join(RAW, "batch2.csv"),
            csv_text(b2, ";", "\r\n").encode("cp1251"))

# raw/batch3.csv.gz: UTF-8 with BOM, ',', LF, extra gps column, gzip
b3 = [BATCH3_COLUMNS] + [[value_text(r, c) for c in BATCH3_COLUMNS]
                         for r in batch_rows(3)]
buf = io.BytesIO()
with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as gz:
    gz.write(("\ufeff" + csv_text(b3)).encode("utf-8"))
write_bytes(os.path.join(RAW, "batch3.csv.gz"), buf.getvalue())

# faults.csv: the answer key
fl = [["resp_id", "batch", "fault", "detail"]]
ORDER = ["duplicate_id", "duplicate_interview", "out_of_range", "routing",
         "speeder", "fabricator", "missing_demographic", "age_group_mismatch"]
faults.sort(key=lambda f: (ORDER.index(f[1]), f[0]["resp_id"]))
for r, name, detail in faults:
    fl.append([r["resp_id"], "batch%d" % r["_batch"], name, detail])
write_bytes(os.path.join(HERE, "faults.csv"), csv_text(fl).encode("utf-8"))

# README.md, with the counts of this run
counts, per_batch = {}, {}
for r, name, _ in faults:
    counts[name] = counts.get(name, 0) + 1
    per_batch[name, r["_batch"]] = per_batch.get((name, r["_batch"]), 0) + 1
nb = {b: len(batch_rows(b)) for b in (1, 2, 3)}
FAULT_TEXT = {
    "duplicate_id": "a different interview carries an id already used "
    "(a mistyped questionnaire number); answers differ. The row listed is the "
    "second occurrence; detail names the first and the id it should have had",
    "duplicate_interview": "the same record sent again under a new id (ids "
    "above the last interview's): every other field is identical",
    "out_of_range": "one value outside `valid`: q1=6, q2_police=7, age=150, "
    "age=17, education=0, sex=3, lang=4, q3=7, q4=5, q7=4, q8=0, q9_3=2, "
    "q10=6, q11=9 (8 is its only missing code), q2_courts=5",
    "routing": "q6 answered although q5 != 1 (q6 is asked only of 2021 voters)",
    "speeder": "duration 240-590 s (normal interviews take 1,500-3,600 s); "
    "12 by I05 and 8 by I17, the rest scattered",
    "fabricator": "every interview of %s: q1-q11 copy one template with at "
    "most one item changed (each pair agrees on >= 22 of the 24 items), "
    "durations 660-1,080 s, no open comments" % FABRICATOR,
    "missing_demographic": "age empty (and so age_group) in 6 rows, "
    "education empty in 4",
    "age_group_mismatch": "age_group one group off at a boundary age "
    "(e.g. age 29 coded 30-39)",
}
fault_rows = "\n".join("| `%s` | %d | %s | %s |" % (
    k, counts[k], " / ".join(str(per_batch.get((k, b), 0)) for b in (1, 2, 3)),
    FAULT_TEXT[k]) for k in ORDER)
readme = """\
# kg-demo: a synthetic pre-election poll of Kyrgyz adults

A demo survey for svykit: a face-to-face poll of %(n)d adults (18+) in the
Kyrgyz Republic, fieldwork 5-25 September 2026, on the direction of the
country, trust in institutions, vote intention, the 2021 presidential vote,
democracy, problems, the household economy and news sources. **All data are
synthetic** (made by `generate.py`); party names in q3 are fictional, q6 uses
the real 2021 candidates with invented answers. Population margins in
`targets.csv` are real estimates (NSC, about 2024-2025).

## Design

- 16 strata (`stratum`): 9 regions (`region` 1 Bishkek, 2 Osh city,
  3 Batken, 4 Chui, 5 Jalal-Abad, 6 Issyk-Kul, 7 Naryn, 8 Osh region,
  9 Talas) x urban/rural (`settlement`); Bishkek and Osh city are urban only.
- %(npsu)d PSUs (`psu`, numbered 1-%(npsu)d across strata), about 10
  interviews each, %(niv)d interviewers (`interviewer` I01-I30), each
  working a few PSUs of one region.
- Disproportionate allocation (towns and small regions oversampled), so the
  design weight `dweight` (constant within a stratum) runs from %(wmin)s to
  %(wmax)s. The achieved sample also has too many women and too few adults
  under 30, so weighting to `targets.csv` (region, sex, age_group,
  settlement, ethnicity) has work to do.
- `survey.conf` names the design: `id = resp_id`, `strata = stratum`,
  `cluster = psu`, `base_weight = dweight`.

## Variables

%(nvars)d variables, described in `codebook.csv` (labels in English, Russian,
Kyrgyz) and `values.csv`: ids (`resp_id` as zero-padded text such as
`000123`, `interviewer`), design (`region settlement stratum psu dweight`),
demographics (`sex age age_group education ethnicity lang`), paradata
(`start end` as `YYYY-MM-DD HH:MM:SS`, `duration` in seconds), questions
`q1`-`q11` (q2_* a 7-item trust battery, q9_1-q9_8 a multiple-response set
of 0/1), the open comment `q12` and `phone` (PII). Missing values are empty
fields; user-missing codes are 8/9 (98/99 for q3 and q6; q11 has only 8).
q6 is asked only when q5 = 1, otherwise empty.

## Raw batches (`raw/`), one a fieldwork week

| file | rows | form | exercises |
| --- | --- | --- | --- |
| `batch1.csv` | %(b1)d | UTF-8, `,`, LF, RFC 4180 | the plain case; quoted comments with `,`, `""` and an embedded newline |
| `batch2.csv` | %(b2)d | as Russian-locale Excel saves it: CP1251, `;`, CRLF, decimal comma (`dweight` 0,7853 or 0,99), quoting only when needed | encoding, delimiter, decimal comma, a different column order (`interviewer`, `duration`, `dweight` moved), no `phone` column, a quoted comment with `;`, an LF inside a quoted field in a CRLF file, CP1251 punctuation (the em dash, guillemets and the numero sign) |
| `batch3.csv.gz` | %(b3)d | gzip of UTF-8 with a BOM, `,`, LF | gzip, BOM before the first header name, an extra column `gps` (`"42.87436,74.59012"`, not in the codebook) between `end` and `duration` |

Open comments in batch2 are in Russian (Kyrgyz letters are not in CP1251);
elsewhere they follow the language of the interview.

## Planted faults (`faults.csv`)

`faults.csv` is the answer key: `resp_id,batch,fault,detail`, one row per
planted fault. Counts (batch1 / batch2 / batch3):

| fault | rows | by batch | what |
| --- | --- | --- | --- |
%(fault_rows)s

Nothing else is planted. No two genuine interviews agree on more than 21
of the 24 items q1-q11 (the generator redraws any that do), so a
near-duplicate check at 90%% should find exactly I23's interviews and the
three copies. Item nonresponse (8/9, 98/99) is ordinary, not a fault.

## Regenerate

    python3 surveys/kg-demo/generate.py

Python 3 standard library only, fixed seed: every file here (this README
included) is rewritten with identical bytes. Edit the script, not its output.
""" % dict(n=len(rows), npsu=N_PSU, wmin=min(DWEIGHT.values()),
           wmax=max(DWEIGHT.values()), nvars=len(VARS), b1=nb[1], b2=nb[2],
           b3=nb[3], fault_rows=fault_rows,
           niv=len(set(r["interviewer"] for r in rows)))
write_bytes(os.path.join(HERE, "README.md"), readme.encode("utf-8"))

print("kg-demo: %d rows (batch1 %d, batch2 %d, batch3 %d); faults: %s" % (
    len(rows), nb[1], nb[2], nb[3],
    ", ".join("%s %d" % (k, counts[k]) for k in ORDER)))
