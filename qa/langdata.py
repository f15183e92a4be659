# ruff: noqa: RUF001
"""Per-language data: stopwords (for analysis and detection) and Snowball stemmer names.

The lists are short, Snowball-style lists of function words (articles,
pronouns, prepositions, conjunctions, auxiliaries), written for qa: a word
of a list is indexed as a stopword term and not searched unless a question
needs it, and the lists are the profiles language detection counts
(:mod:`qa.lang`). English is not here: its analyzer is :mod:`qa.tokens`.
Arabic words are written as :func:`qa.analyzers.normalise_arabic` leaves
them, Greek ones without accents.
"""

from __future__ import annotations

#: Snowball stemmer of each language (the names PyStemmer and snowballstemmer use).
SNOWBALL: dict[str, str] = {
    "ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german", "el": "greek", "es": "spanish",
    "eu": "basque", "fa": "persian", "fi": "finnish", "fr": "french", "ga": "irish", "hi": "hindi",
    "hu": "hungarian", "hy": "armenian", "id": "indonesian", "it": "italian", "lt": "lithuanian", "ne": "nepali",
    "nl": "dutch", "no": "norwegian", "pl": "polish", "pt": "portuguese", "ro": "romanian", "ru": "russian",
    "sr": "serbian", "sv": "swedish", "ta": "tamil", "tr": "turkish", "et": "estonian", "eo": "esperanto",
    "yi": "yiddish",
}

_STOP_TEXT: dict[str, str] = {
    "de": """
        aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes anderm andern
        anders auch auf aus bei bin bis bist da damit dann das dass daß dein deine deinem deinen deiner dem den denn
        der des dessen deshalb die dies diese diesem diesen dieser dieses doch dort du durch ein eine einem einen
        einer eines einig einige einigem einigen einiger einiges einmal er es etwas euch euer eure für gegen gewesen
        hab habe haben hat hatte hatten hier hin hinter ich ihm ihn ihnen ihr ihre ihrem ihren ihrer ihres im in
        indem ins ist jede jedem jeden jeder jedes jene jenem jenen jener jenes jetzt kann kein keine keinem keinen
        keiner keines können könnte machen man manche manchem manchen mancher manches mein meine meinem meinen
        meiner meines mich mir mit muss musste nach nicht nichts noch nun nur ob oder ohne sehr sein seine seinem
        seinen seiner seines selbst sich sie sind so solche solchem solchen solcher solches soll sollte sondern sonst
        über um und uns unser unsere unter viel vom von vor während war waren warst was weg weil weiter welche
        welchem welchen welcher welches wenn werde werden wie wieder will wir wird wirst wo wollen wollte würde
        würden zu zum zur zwar zwischen wurde wurden worden wer wem wen wessen wann warum wieso weshalb welch
    """,
    "es": """
        de la que el en y a los del se las por un para con no una su al lo como más pero sus le ya o este sí porque
        esta entre cuando muy sin sobre también me hasta hay donde quien desde todo nos durante todos uno les ni
        contra otros ese eso ante ellos e esto mí antes algunos qué unos yo otro otras otra él tanto esa estos mucho
        quienes nada muchos cual poco ella estar estas algunas algo nosotros mi mis tú te ti tu tus ellas nosotras
        vosotros vosotras os mío mía míos mías tuyo tuya suyo suya nuestro nuestra vuestro esos esas estoy está
        estamos están estaba estaban estuvo fue fueron era eran es son ser sido siendo soy eres somos he ha han
        había habían hemos hubo tiene tienen tenía cuál cuáles cuánto cuántos cuántas cuánta dónde cómo cuándo
        quién quiénes fui fuimos sea sean será serán sería habrá
    """,
    "fr": """
        au aux avec ce ces dans de des du elle en et eux il ils je la le les leur lui ma mais me même mes moi mon ne
        nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre vous c d
        j l à m n s t y été étée étées étés étant suis es est sommes êtes sont serai sera serons seront serais serait
        étais était étions étaient fus fut furent sois soit soient ai as avons avez ont aurai aura aurons auront
        avais avait avions avaient eut eurent ceci cela celà cet cette ici ils les leurs quel quels quelle quelles
        sans soi où quand comment pourquoi combien lequel laquelle lesquels dont
    """,
    "it": """
        ad al allo ai agli all agl alla alle con col coi da dal dallo dai dagli dall dagl dalla dalle di del dello dei
        degli dell degl della delle in nel nello nei negli nell negl nella nelle su sul sullo sui sugli sull sugl
        sulla sulle per tra contro io tu lui lei noi voi loro mio mia miei mie tuo tua tuoi tue suo sua suoi sue
        nostro nostra nostri nostre vostro vostra vostri vostre mi ti ci vi lo la li le gli ne il un uno una ma ed
        se perché anche come dov dove che chi cui non più quale quanto quanti quanta quante quello quelli quella
        quelle questo questi questa queste si tutto tutti a c e i l o ho hai ha abbiamo avete hanno aveva avevano
        ebbe sono sei è siamo siete era erano fu furono essere stato stata stati state quando
    """,
    "pt": """
        de a o que e do da em um para com não uma os no se na por mais as dos como mas ao ele das à seu sua ou quando
        muito nos já eu também só pelo pela até isso ela entre depois sem mesmo aos seus quem nas me esse eles você
        essa num nem suas meu às minha numa pelos elas qual nós lhe deles essas esses pelas este dele tu te vocês vos
        lhes meus minhas teu tua teus tuas nosso nossa nossos nossas dela delas esta estes estas aquele aquela
        aqueles aquelas isto aquilo estou está estamos estão estava estavam esteve foi foram era eram é são ser sido
        sou somos há houve tem têm tinha tinham teve onde como quais quanto quantos quantas
    """,
    "nl": """
        de en van ik te dat die in een hij het niet zijn is was op aan met als voor had er maar om hem dan zou of wat
        mijn men dit zo door over ze zich bij ook tot je mij uit der daar haar naar heb hoe heeft hebben deze u want
        nog zal me zij nu ge geen omdat iets worden toch al waren veel meer doen toen moet ben zonder kan hun dus
        alles onder ja eens hier wie werd altijd doch wordt wezen kunnen ons zelf tegen na reeds wil kon niets uw
        iemand geweest andere welke waar wanneer waarom
    """,
    "sv": """
        och det att i en jag hon som han på den med var sig för så till är men ett om hade de av icke mig du henne då
        sin nu har inte hans honom skulle hennes där min man ej vid kunde något från ut när efter upp vi dem vara vad
        över än dig kan sina här ha mot alla under någon eller allt mycket sedan ju denna själv detta åt utan varit
        hur ingen mitt ni bli blev oss din dessa några deras blir mina samma vilken er sådan vår blivit dess inom
        mellan sådant varför varje vilka ditt vem vilket sitta sådana vart dina vars vårt våra ert era vilkas
    """,
    "da": """
        og i jeg det at en den til er som på de med han af for ikke der var mig sig men et har om vi min havde ham
        hun nu over da fra du ud sin dem os op man hans hvor eller hvad skal selv her alle vil blev kunne ind når være
        dog noget ville jo deres efter ned skulle denne end dette mit også under have dig anden hende mine alt meget
        sit sine vor mod disse hvis din nogle hos blive mange ad bliver hendes været thi jer sådan hvem hvornår
        hvorfor
    """,
    "no": """
        og i jeg det at en et den til er som på de med han av ikke ikkje der så var meg seg men ett har om vi min mitt
        ha hadde hun nå over da ved fra du ut sin dem oss opp man kan hans hvor eller hva skal selv sjøl her alle vil
        bli ble blei blitt kunne inn når være kom noen noe ville dere som deres kun ja etter ned skulle denne for deg
        si sine sitt mot å meget hvorfor dette disse uten hvordan ingen din ditt blir samme hvilken hvilke sånn inni
        mellom vår hver hvem vors hvis både bare enn fordi før mange også slik vært
    """,
    "fi": """
        olla olen olet on olemme olette ovat ole oli olisi ollut olleet en et ei emme ette eivät minä sinä hän me te
        he tämä tuo se nämä nuo ne kuka ketkä mikä mitkä joka jotka että ja jos koska kuin mutta niin sekä sillä tai
        vaan vai vaikka kanssa mukaan noin poikki yli kun nyt itse minun sinun hänen meidän teidän heidän tämän
        tätä tässä tästä tähän siinä siitä sen sitä ovat oli olivat myös jo vielä
    """,
    "hu": """
        a az egy be ki le fel meg el át rá ide oda szét össze vissza de hát és vagy hogy is s sem se ha mint már
        még csak nem igen ő ők én te mi ti ez az azt ezt ezek azok abban ebben annak ennek amely amelyek ami amit
        aki akik volt voltak van vannak lesz lett lehet kell után alatt között mellett szerint által pedig mert
        majd mely mik mikor miért hol hogyan melyik
    """,
    "tr": """
        acaba ama ancak aslında az bazı belki biri birkaç birşey biz bu çok çünkü da daha de defa diye eğer en gibi
        hem hep hepsi her hiç için ile ise kez ki kim mı mu mü nasıl ne neden nerde nerede nereye niçin niye o sanki
        şey siz şu tüm ve veya ya yani bir olan olarak olduğu olduğunu oldu olmak olan olup ise ile kadar sonra önce
        gibi değil diğer hangi kaç ne zaman onun bunun şunun onlar onların bunlar bunların ben sen beni seni ona
        buna şuna onu bunu şunu tarafından göre ayrıca fakat rağmen üzere beri arasında
    """,
    "ro": """
        a acea aceasta această aceea acei aceia acel acela acele acelea acest acesta aceste acestea acestei acestia
        acestui aceşti aceștia acolo acum ai aia aibă aici al ale alea alt alta altceva altcineva am ar are aș
        aşadar asta astăzi astfel au avea avem aveți avut azi bine ca că căci cărei căror cărui cât câte câți către
        ce cea ceea cei ceilalți cel cele celor ceva chiar cine cineva cu cum cumva da dacă dar de deci deja deși
        din dintr dintre după e ea ei el ele era erau este eu fi fie fiecare fiind foarte fost fără i îi îl îmi în
        înainte înapoi încă între își la le li lor lui mai mi mult multe multă ne ni nici nimic noi nostru noastră
        nu numai o oare or ori până pe pentru peste poate prea prin s sa să sau se și spre sub sunt suntem sunteți
        te ți tot toate toți tu un una unde unei unele uneori unor unui unul vă voi vom vor
        aşa şi îşi deşi acelaşi aceeaşi
    """,
    "vi": """
        và của là các có được trong cho những với một này không người đã khi để từ theo về đến cũng như ra bị
        vào thì nhưng mà hay hoặc nên vì tại do sẽ đang rất nhiều ở trên dưới sau trước giữa qua bởi nó họ
        chúng tôi bạn ông bà anh chị em ấy đó kia nào gì ai sao bao đâu thế vậy lại còn chỉ đều mỗi nhất
        đây cả này năm
    """,
    "id": """
        yang dan di ke dari ini itu dengan untuk pada adalah dalam tidak akan juga atau oleh sebagai karena bahwa
        ada mereka kami kita saya anda dia ia telah sudah belum bisa dapat harus lebih para seperti saat setelah
        sebelum hingga sampai antara tersebut namun tetapi jika maka agar serta bagi tentang apa siapa mana kapan
        mengapa bagaimana berapa
    """,
    "ca": """
        a al als amb de del dels el els en i la les l d per que qui un una uns unes es és són ser era eren va van
        ha han hi ho jo tu ell ella nosaltres vosaltres ells elles seu seva seus seves meu meva aquest aquesta
        aquests aquestes aquell aquella com on quan però o no més molt també sense sobre entre fins
    """,
    "pl": """
        i w z na do się nie to że o jak ale od po za co jest był była było były są być przez tak już dla jego jej
        ich tylko czy a lub oraz ten ta te tego tej tym który która które których którym przy pod nad przed między
        też może będzie został została zostały sobie jako gdy kiedy gdzie dlaczego ile kto jaki jaka jakie
    """,
    "cs": """
        a v se na je že s z do o to i k ve by byl byla bylo byly jsou být pro jak ale od po za jeho její jejich
        který která které kterých tento tato toto tyto ten ta při pod nad před mezi také jako když kde proč kdo
        co jaký jaká jaké nebo ani už jen
    """,
    "ru": """
        и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее её мне было вот от
        меня еще ещё нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до вас нибудь опять уж
        вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам чтоб без
        будто чего раз тоже себе под будет ж тогда кто этот того потому этого какой совсем ним здесь этом
        почти мой тем чтобы нее сейчас были куда зачем всех никогда можно при наконец об другой хоть после над
        больше тот через эти нас про всего них какая много разве эту моя впрочем хорошо свою этой перед иногда
        лучше чуть том нельзя такой им более всегда конечно всю между это являются является была были также
        который которая которое которые которых которым котором которой сколько почему каких каким
    """,
    "uk": """
        і й та в у на з із зі до від за по про при для над під що як це цей ця ці цього цієї цих той та те ті він
        вона воно вони я ти ми ви його її їх був була було були є бути не ні але або чи також який яка яке які
        якого якої яких коли де чому хто скільки
    """,
    "el": """
        ο η το οι τα του τησ των τον την και κι κ ειμαι εισαι ειναι ειμαστε ειστε στο στον στη στην μα αλλα απο για
        προσ με σε ωσ παρα αντι κατα μετα θα να δε δεν μη μην επι ενω εαν αν τοτε που πωσ ποιοσ ποια ποιο ποιοι
        ποιεσ ποιων ποιουσ αυτοσ αυτη αυτο αυτοι αυτων αυτουσ αυτεσ αυτα εκεινοσ εκεινη εκεινο εκεινοι εκεινεσ
        εκεινα εκεινων εκεινουσ οπωσ ομωσ ισωσ οσο οτι ενα ενασ μια μιασ ενοσ στα στισ στουσ στων ηταν ηλθε εχει
        ειχε εχουν ειχαν ποτε γιατι ποσοσ ποσα ποσεσ ποσοι
    """,
    "ar": """
        من الى الي عن على علي في مع هذا هذه ذلك تلك هو هي هم هن انا نحن انت انتم كان كانت كانوا يكون تكون ان
        او ام ثم بل لا لم لن ما ماذا متى اين كيف لماذا كم اي التي الذي الذين اللذين اللتين اللاتي اللواتي قد
        كل بعض غير بين عند حتى منذ لدى حيث اذا لقد لكن و ف ب ل ك ايضا وقد وكان وفي ومن وهو وهي فقد فان بان
        كما مما عما انه انها الا هناك هنا به بها له لها لهم منه منها فيه فيها عليه عليها اليه اليها وان وقد
        التى الذى
    """,
    "fa": """
        و در به از که این آن را با است برای تا بر هم یا شد شده شود می نمی کرد کرده کند بود بوده باشد ها های
        یک دیگر اما اگر چه هر نیز وی او ما شما ایشان آنها خود چون پس بی چرا کجا کی چند چگونه
    """,
    "hi": """
        का की के को में से पर है हैं था थे थी थीं और या एक यह वह ये वे इस उस इन उन जो कि तो भी ही तक लिए
        द्वारा साथ बाद पहले कर करने किया किए गया गई गए होता होती होते हो रहा रही रहे जा जाता जाती जाते ने नहीं
        कुछ सभी अपने अपना अपनी उनके उनका उनकी इसके इसका इसकी उसके उसका उसकी जब तब कहाँ कहां क्या कौन कब क्यों
        कैसे कितने कितना कितनी किस किसी किन
    """,
    "ne": """
        र छ छन् थियो थिए मा ले लाई बाट पनि नै यो त्यो गर्न गरेको भएको हुन्छ
    """,
    "he": """
        של את על עם זה זו זאת הוא היא הם הן אני אתה אנחנו אתם כי אם או גם לא כל מה מי איך למה מתי איפה היה
        הייתה היו יש אין אשר בין אל עד כמו לפני אחרי
    """,
}

#: Stopwords by language: lowercase, as the analyzer normalises words.
STOPWORDS: dict[str, frozenset[str]] = {lang: frozenset(text.split()) for lang, text in _STOP_TEXT.items()}

#: "When" and "how many" in other languages: (date question, number question) patterns, on the lowercased question.
QUESTION_TYPES: dict[str, tuple[str, str]] = {
    "de": (r"\bwann\b|\bwelche[mns]? (?:jahr|jahrhundert|datum|monat|tag)",
           r"\bwie ?viel|\bwie (?:lange|alt|groß|hoch|weit)\b"),
    "es": (r"\bcuándo\b|\bqué (?:año|siglo|fecha|mes|día)\b|\bcuál (?:año|fecha)\b", r"\bcuánt[oa]s?\b"),
    "fr": (r"\bquand\b|\bquel(?:le)? (?:année|siècle|date|mois|jour)\b", r"\bcombien\b"),
    "it": (r"\bquando\b|\bche (?:anno|secolo|data)\b|\bquale (?:anno|secolo|data)\b", r"\bquant[oaie]\b"),
    "pt": (r"\bquando\b|\bque (?:ano|século|data)\b|\bqual (?:ano|século|data)\b", r"\bquant[oa]s?\b"),
    "nl": (r"\bwanneer\b|\bwelk(?:e)? (?:jaar|eeuw|datum)\b", r"\bhoeveel\b|\bhoe (?:lang|oud|groot|hoog|ver)\b"),
    "ru": (r"\bкогда\b|\bв как(?:ом|ие|ой) (?:году|годы|веке|день|месяце)\b|\bкакой год\b", r"\bсколько\b"),
    "uk": (r"\bколи\b|\bв якому (?:році|столітті)\b", r"\bскільки\b"),
    "el": (r"\bπότε\b|\bποι[οα] (?:έτος|χρονιά|αιώνα|ημερομηνία)|\bποιον αιώνα", r"\bπόσ[οαηεί]"),
    "tr": (r"\bne zaman\b|\bhangi (?:yıl|tarih|yüzyıl|gün|ay)", r"\bkaç\b|\bne kadar\b"),
    "ro": (r"\bcând\b|\bîn ce (?:an|secol)\b|\bce an\b|\bîn care an\b", r"\bcâ(?:ți|te|t|tă)\b"),
    "vi": (r"\bkhi nào\b|\bnăm nào\b|\bbao giờ\b|\blúc nào\b|\bthế kỷ nào\b|\bngày nào\b", r"\bbao nhiêu\b|\bmấy\b"),
    "ar": ("\u0645\u062a\u0649|\u0627\u064a (?:\u0639\u0627\u0645|\u0633\u0646\u0629|\u0642\u0631\u0646)"
           "|\u0623\u064a (?:\u0639\u0627\u0645|\u0633\u0646\u0629|\u0642\u0631\u0646)", "\u0643\u0645"),
    "hi": ("\u0915\u092c|\u0915\u093f\u0938 (?:\u0935\u0930\u094d\u0937|\u0938\u093e\u0932)",
           "\u0915\u093f\u0924\u0928[\u0947\u093e\u0940]"),
    "zh": ("什么时候|何时|哪一?年|哪个世纪|哪一?天|几月|哪个月", "多少|几[个名次位人年]|多[长大高久远重]"),
    "ja": ("いつ|何年|何世紀", "いくつ|何[人個回本]|どのくらい"),
    "ko": ("언제|몇 년", "몇|얼마"),
    "th": ("เมื่อไ[รห]|ปี(?:ใด|ไหน|อะไร)", "เท่าไ[รห]|กี่"),
}
