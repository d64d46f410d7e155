# SPDX-License-Identifier: GPL-3.0-or-later
# bench/scale_gen.py - the mbox of bench/scale: N posts in threads of five
# (a root and four replies, each answering the one before with In-Reply-To
# and References), plain text of 1-8 KB, one theme, one session (the dates
# run from 2020-11-17 one post every 10 s).  Usage: scale_gen.py FILE N [START]
# START (default 0) numbers the posts, so a later call can add posts that
# continue the same threads' shape without repeating Message-IDs.
import email.utils, random, sys, time

path, n = sys.argv[1], int(sys.argv[2])
start = int(sys.argv[3]) if len(sys.argv) > 3 else 0
random.seed(22 + start)
words = ("funding partnership community decide grants local risk power shift "
         "donors trust report budget accountability voice meeting practice "
         "learning flexible core costs partners south north capacity share "
         "money ownership listen evidence project village women youth network "
         "policy advocacy health water school market climate land rights").split()
rare = ["zanzibar%d" % k for k in range(50)]
names = ["Alice Mwangi", "Bruno Costa", "Chen Wei", "Dalia Haddad", "Emma Jansen",
         "Fatou Diallo", "Gustavo Pérez", "Hana Novák", "Ingrid Ødegård", "José Álvarez"]


def para():
    k = random.randint(20, 60)
    w = [random.choice(words) for _ in range(k)]
    if random.random() < 0.01:
        w[random.randrange(k)] = random.choice(rare)
    return " ".join(w).capitalize() + "."


def body(size):
    out, total = [], 0
    while total < size:
        p = para()
        out.append(p)
        total += len(p) + 2
    return "\n\n".join(out) + "\n"


out = open(path, "w", encoding="utf-8", newline="\n")
prev = None
for i in range(start, start + n):
    t = 1605600000 + i * 10
    who = names[i % len(names)]
    addr = who.split()[0].lower() + "@example.org"
    mid = "s%d@scale.example" % i
    hdr = ['From: "%s" <%s>' % (who, addr), "To: cop@example.org",
           "Date: " + email.utils.formatdate(t), "Message-ID: <%s>" % mid]
    if i % 5 == 0:
        subj = " ".join(random.choice(words) for _ in range(random.randint(3, 7))).capitalize()
        refs = []
    else:
        if prev is None:    # START inside a thread: answer the post before
            root = i - i % 5
            prev = ("s%d@scale.example" % (i - 1), "thread %d" % root,
                    ["s%d@scale.example" % k for k in range(root, i - 1)])
        subj = "Re: " + prev[1]
        refs = prev[2] + [prev[0]]
        hdr.append("In-Reply-To: <%s>" % prev[0])
        hdr.append("References: " + " ".join("<%s>" % r for r in refs))
    hdr += ["Subject: " + subj, "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8"]
    text = body(random.randint(1000, 8000))
    out.write("From %s %s\n" % (addr, time.asctime(time.gmtime(t))))
    out.write("\n".join(hdr) + "\n\n" + text + "\n")
    prev = (mid, subj[4:] if subj.startswith("Re: ") else subj, refs)
out.close()
