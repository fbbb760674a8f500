"""params/metropolis.yml: the 41 member gminas of the GZM by TERC, each in the shipped national GUS exports under the
same name; `report --cities` reads it as a list of codes."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from citybank import newcity, ranking
from citybank.params import ParamsError
from citybank.params.metropolis import read_metropolis

EXPORTS = (
    "RYNE_1944_registered_unemployed_2003-2024.csv",
    "LUDN_population_by_economic_age_2010-2019.csv",
    "FINA_gmina_revenues_2010-2019.csv",
)


@pytest.fixture(scope="module")
def gzm(root):
    return read_metropolis(root / "params" / "metropolis.yml")


def test_the_41_members_with_their_source(gzm, reg):
    assert len(gzm.members) == len({m.terc for m in gzm.members}) == 41
    assert "Dz.U. 2017 poz. 1290" in gzm.source and "26 czerwca 2017" in gzm.source
    kinds = pd.Series(ranking.gmina_kind(pd.Series([m.terc for m in gzm.members]))).value_counts().to_dict()
    # 13 cities with powiat rights (Jaworzno, 2468011, is not a member), the rest urban, rural, urban-rural
    assert kinds == {"city_powiat": 13, "urban": 13, "rural": 13, "urban_rural": 2}
    assert "2468011" not in {m.terc for m in gzm.members} and "2474011" in {m.terc for m in gzm.members}
    assert "metropolis" in reg.extra  # validated with the rest of params/


@pytest.mark.parametrize("export", EXPORTS)
def test_every_member_is_in_the_shipped_exports_under_its_name(gzm, national_dir, export):
    from citybank.ingest.bdl import read_bdl_ctab

    df = read_bdl_ctab(national_dir / export)
    names = df.drop_duplicates("code").set_index("code")["name"].str.replace(r"\s*\(\d\)$", "", regex=True)
    for m in gzm.members:
        assert names.get(m.terc) == m.name, (m.terc, m.name, names.get(m.terc))


def test_report_cities_reads_it_as_codes(gzm, root):
    codes = newcity.read_codes(root / "params" / "metropolis.yml")
    assert codes == [m.terc for m in gzm.members] and codes[0] == "2401011"  # Będzin, sorted by code


def test_a_bad_metropolis_file_names_the_key(tmp_path, root):
    data = yaml.safe_load((root / "params" / "metropolis.yml").read_text(encoding="utf-8"))
    bad = tmp_path / "m.yml"
    data["members"].append(dict(data["members"][0]))  # Będzin twice
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParamsError, match=r"members\[41\]\.terc.*2401011 is already members\[0\]"):
        newcity.read_codes(bad)
    data["members"][3]["terc"] = "240104"  # lost a digit
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParamsError) as err:
        newcity.read_codes(bad)
    assert "members.3.terc" in str(err.value) or "members[3].terc" in str(err.value), str(err.value)
