"""The five seed articles of corpus/, by what they report: the files tests expect to see cited."""

CUA_LO_2023 = "000_168b4fa967d107c9.txt"  # Nghệ An's one-year review of Resolution 09, Cửa Lò link-up (Báo Nghệ An)
QUANG_NINH = "001_7c41b3213df7f756.txt"  # Quảng Ninh's two-year review of Resolution 09 (Báo Quảng Ninh)
NGHE_AN_2022 = "002_f4c38aa5626986ed.txt"  # Nghệ An's 9th party conference on the draft resolution
PLAN_2021 = "003_500af1a167ffe578.txt"  # Nghệ An's 2021 plan for drafting the resolution
THANH_HOA = "004_19ab1e55f0366f18.txt"  # Thanh Hóa's April 2022 conference on Resolution 06
