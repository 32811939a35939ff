"""Generate N realistic calls (interchange format v1) for benchmarks.

Not a labelled corpus: a load generator. Calls mix inbound/outbound phone (timed turns,
events, holds, transfers) and chats, 6–40 turns each, with phrasing drawn from pools so that
text analysis does real work. Deterministic for a given seed.

    python bench/gen_calls.py 20000 > /tmp/calls.jsonl
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterator

OPEN = ["您好，联合洲际客服中心，{id}号为您服务，请问有什么可以帮您？", "您好 联合洲际 客服热线 工号{id} 很高兴为您服务",
        "亲，您好，联合洲际在线客服很高兴为您服务，请问有什么可以帮您的呢？", "你好，请讲", "您好，请问需要办理什么业务？"]
ASK = ["我想查一下这个月的话费为什么多了三十块", "我的宽带从昨天开始就上不了网了", "我的快递三天了还没到，订单号发你了",
       "信用卡有一笔境外消费我没刷过", "我想把套餐改成便宜一点的", "退款申请提交一个星期了还没到账", "能不能帮我查一下积分",
       "我上周报修的空调什么时候来修", "我想改一下收货地址", "我家机顶盒一直显示无信号"]
ANSWER = ["好的，我帮您查询一下，请您稍等好吗？", "您是说{topic}，对吗？", "这个问题需要核实一下，麻烦您稍等",
          "查到了，您这个月多出来的是视频会员的费用", "目前系统显示您所在区域有线路在抢修，预计今天下午恢复",
          "已经为您提交了申请，两个工作日内会有专人联系您", "感谢您的耐心等待，已经为您处理好了", "嗯，您说", "这个没办法，这是规定",
          "我帮您转接技术部，请您稍等不要挂机", "很抱歉给您带来不便，我非常理解您的心情", "我看错了，应该是下个月五号扣费"]
CUSTOMER = ["好的", "对", "那怎么办", "你们这服务也太差了吧", "可以", "谢谢你啊", "我要投诉", "行吧", "什么时候能好",
            "麻烦你快点", "那我等你电话", "嗯嗯", "不是这个意思", "我姓王", "好的谢谢再见"]
CLOSE = ["请问还有其他可以帮您的吗？", "感谢您的来电，祝您生活愉快，再见！", "还有别的问题吗", "好的再见", "不客气，这是我们应该做的"]
TOPICS = ["话费多扣了", "宽带上不了网", "快递没到", "有一笔境外消费", "想改套餐"]


def calls(n: int, seed: int = 7) -> Iterator[dict]:
    rnd = random.Random(seed)
    for i in range(n):
        kind = rnd.random()
        channel = "chat" if kind < 0.3 else "phone"
        direction = "outbound" if 0.3 <= kind < 0.5 else "inbound"
        agent = str(rnd.randint(1000, 1099))
        turns = [("agent", rnd.choice(OPEN).format(id=agent)), ("customer", rnd.choice(ASK))]
        for _ in range(rnd.randint(2, 18)):
            turns.append(("agent", rnd.choice(ANSWER).format(topic=rnd.choice(TOPICS))))
            turns.append(("customer", rnd.choice(CUSTOMER)))
        turns += [("agent", rnd.choice(CLOSE)), ("customer", "没有了"), ("agent", CLOSE[1])]
        call: dict = {"call_id": f"bench-{i:07d}", "channel": channel, "direction": direction,
                      "agent_id": agent, "team": rnd.choice("ABC"),
                      "started_at": f"2026-11-{rnd.randint(1, 28):02d}T{rnd.randint(8, 20):02d}:"
                                    f"{rnd.randint(0, 59):02d}:00+08:00"}
        utterances = []
        t = rnd.uniform(3, 20) if channel == "phone" else 0.0
        answer = t - rnd.uniform(0.3, 4)
        for speaker, text in turns:
            u = {"speaker": speaker, "text": text}
            if channel == "phone":
                duration = max(0.6, len(text) / rnd.uniform(3.2, 4.6))
                u["start"], u["end"] = round(t, 2), round(t + duration, 2)
                t += duration + rnd.uniform(-0.8, 3.5)
            utterances.append(u)
        call["utterances"] = utterances
        if channel == "phone":
            events = [{"type": "ring", "t": 0.0}, {"type": "answer", "t": round(max(0.5, answer), 2)}]
            if rnd.random() < 0.25:
                h0 = utterances[len(utterances) // 2]["end"]
                events += [{"type": "hold_start", "t": h0 + 0.3}, {"type": "hold_end", "t": h0 + rnd.uniform(5, 60)}]
            events.append({"type": "hangup", "t": round(t + 1, 2), "by": rnd.choice(["customer", "customer", "agent"])})
            call["events"] = events
        yield call


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    out = sys.stdout
    for call in calls(n):
        out.write(json.dumps(call, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
