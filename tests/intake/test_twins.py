from matcher.intake.twins import Twins

TEXT = "负责车间流水线作业，按工艺要求完成产品组装与包装，服从班组长安排，能适应两班倒。"


def test_the_same_job_is_found_by_a_near_title_and_a_near_text():
    twins: Twins[int] = Twins()
    twins.add("普工（包吃住）", TEXT, 2)
    assert twins.find("普工(包吃住)", TEXT.replace("两班倒", "倒班")) == 2
    assert twins.find("普工（包吃住）", "负责仓库的收货、发货和盘点，使用系统登记出入库。") is None
    assert twins.find("质检员", TEXT) is None


def test_a_posting_without_text_matches_on_its_title_alone():
    twins: Twins[str] = Twins()
    twins.add("仓库管理员", "", "first")
    assert twins.find("仓库管理员", TEXT) == "first"
    twins.add("电子商务运营专员（天猫旗舰店方向）", TEXT, "long")
    assert twins.find("电子商务运营专员(天猫旗舰店方向", "") == "long"


def test_many_postings_of_one_title_are_each_compared_once():
    twins: Twins[int] = Twins()
    for number in range(3000):
        twins.add("普工", f"{number:05d} 号工位，{TEXT}"[: 20 + number % 7], number)
    assert twins.find("普工", "完全不同的文字：负责前台接待来访客人并登记。") is None
