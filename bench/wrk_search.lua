-- wrk script for bench/wrk_search.sh: GET /v1/search over a rotating set
-- of questions, so the run measures retrieval rather than one cached plan.
local queries = {
  "盗窃公私财物数额较大", "借款到期不还怎么办", "离婚后孩子抚养权归谁", "交通肇事逃逸",
  "劳动合同解除经济补偿", "正当防卫的条件", "遗嘱继承和法定继承", "房屋租赁合同解除",
  "醉酒驾驶机动车", "诈骗罪数额巨大", "消费者权益保护 退货", "公司股东出资责任",
  "刑法第二百六十四条", "民法典第一千一百六十五条", "侵权责任 赔偿 精神损害",
  "未成年人 监护人 责任", "合同违约金过高", "故意伤害 轻伤", "物业服务费", "加班费 仲裁时效",
}
local function encode(s)
  return (s:gsub("[^%w]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
for i, q in ipairs(queries) do queries[i] = encode(q) end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/v1/search?k=10&q=" .. queries[(n % #queries) + 1])
end
