from datetime import date


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February: the birthday falls on 1 March in other years
        return day.replace(year=day.year + years, month=3, day=1)
